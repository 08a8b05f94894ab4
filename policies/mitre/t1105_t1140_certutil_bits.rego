# T1105 Ingress Tool Transfer and T1140 Deobfuscate/Decode with living-off-the-land
# binaries (certutil, bitsadmin).
package mitre

_remote(cmd) if _contains_any(cmd, ["http://", "https://", "ftp://", `\\`])

# certutil -urlcache -f / -split http://... : the download side of certutil.
detections contains {"technique": "T1105", "tactic": "command-and-control", "rule": "certutil_urlcache_download"} if {
	input.telemetry.event == "process.start"
	_image in {"certutil.exe"}
	_contains_any(_cmd, ["-urlcache", "/urlcache", "-verifyctl", "/verifyctl"])
	_remote(_cmd)
}

# bitsadmin /transfer or /addfile with a remote URL.
detections contains {"technique": "T1105", "tactic": "command-and-control", "rule": "bitsadmin_transfer"} if {
	input.telemetry.event == "process.start"
	_image in {"bitsadmin.exe"}
	_contains_any(_cmd, ["/transfer", "/addfile", "/download"])
	_remote(_cmd)
}

# curl/wget straight into a temp folder followed by making it executable.
detections contains {"technique": "T1105", "tactic": "command-and-control", "rule": "download_to_tmp_and_chmod"} if {
	input.telemetry.event == "process.start"
	_contains_any(_cmd, ["curl ", "wget "])
	_contains_any(_cmd, ["/tmp/", "/dev/shm/", "/var/tmp/"])
	contains(_cmd, "chmod +x")
}

# certutil -decode / -decodehex: unpacking an encoded payload.
detections contains {"technique": "T1140", "tactic": "defense-evasion", "rule": "certutil_decode"} if {
	input.telemetry.event == "process.start"
	_image in {"certutil.exe"}
	_contains_any(_cmd, ["-decode", "/decode", "-decodehex", "/decodehex"])
}
