package mitre_test

_net := `C:\Windows\System32\net.exe`

_w3wp := `C:\Windows\System32\inetsrv\w3wp.exe`

test_net_user_lists_local_accounts if {
	ds := _detections(_proc(_net, "net user", _cmd_exe))
	some d in ds
	d.technique == "T1087.001"
	d.tactic == "discovery"
}

test_net_localgroup_administrators if {
	"T1087.001" in _found(_proc(_net, "net localgroup administrators", _cmd_exe))
}

test_net_use_mapping_is_benign if {
	count(_found(_proc(_net, `net use Z: \\fileserver\projects /persistent:yes`, _explorer))) == 0
}

test_passwd_read_from_web_server if {
	"T1087.001" in _found(_proc("/usr/bin/cat", "cat /etc/passwd", "/usr/sbin/apache2"))
}

test_passwd_read_by_admin_shell_is_benign if {
	count(_found(_proc("/usr/bin/grep", "grep alice /etc/passwd", "/usr/bin/bash"))) == 0
}

test_net_group_domain_admins if {
	"T1087.002" in _found(_proc(_net, `net group "domain admins" /domain`, _cmd_exe))
}

test_net_user_domain if {
	"T1087.002" in _found(_proc(`C:\Windows\System32\net1.exe`, "net1 user /domain", _cmd_exe))
}

test_net_time_domain_is_benign if {
	count(_found(_proc(_net, "net time /domain /set /y", _cmd_exe))) == 0
}

test_whoami_under_iis if {
	ds := _detections(_proc(`C:\Windows\System32\whoami.exe`, "whoami /priv", _w3wp))
	some d in ds
	d.technique == "T1033"
	d.rule == "whoami_from_service_context"
}

test_whoami_as_system if {
	"T1033" in _found(_proc_as(`C:\Windows\System32\whoami.exe`, "whoami", _cmd_exe, `NT AUTHORITY\SYSTEM`))
}

test_whoami_by_admin_at_console_is_benign if {
	count(_found(_proc(`C:\Windows\System32\whoami.exe`, "whoami /groups", _cmd_exe))) == 0
}

test_id_under_php_fpm if {
	"T1033" in _found(_proc("/usr/bin/id", "id", "/usr/sbin/php-fpm"))
}

test_systeminfo_from_wscript if {
	"T1082" in _found(_proc(`C:\Windows\System32\systeminfo.exe`, "systeminfo", `C:\Windows\System32\wscript.exe`))
}

test_systeminfo_at_console_is_benign if {
	count(_found(_proc(`C:\Windows\System32\systeminfo.exe`, "systeminfo", _cmd_exe))) == 0
}

test_wmic_os_get if {
	"T1082" in _found(_proc(`C:\Windows\System32\wbem\WMIC.exe`, "wmic os get Caption,Version,OSArchitecture /value", _cmd_exe))
}

test_wmic_logicaldisk_is_benign if {
	count(_found(_proc(`C:\Windows\System32\wbem\WMIC.exe`, "wmic logicaldisk get size,freespace,caption", _cmd_exe))) == 0
}

test_ipconfig_from_web_shell if {
	"T1016" in _found(_proc(`C:\Windows\System32\ipconfig.exe`, "ipconfig /all", _w3wp))
}

test_chained_recon_one_liner if {
	"T1016" in _found(_proc(_cmd_exe, "cmd.exe /c ipconfig /all & arp -a & route print", _cmd_exe))
}

test_ipconfig_flushdns_is_benign if {
	count(_found(_proc(`C:\Windows\System32\ipconfig.exe`, "ipconfig /flushdns", _cmd_exe))) == 0
}

test_nltest_domain_trusts if {
	"T1482" in _found(_proc(`C:\Windows\System32\nltest.exe`, "nltest /domain_trusts /all_trusts", _cmd_exe))
}

test_nltest_secure_channel_check_is_benign if {
	count(_found(_proc(`C:\Windows\System32\nltest.exe`, "nltest /sc_query:corp.example.com", _cmd_exe))) == 0
}

test_adfind_trusts if {
	"T1482" in _found(_proc(`C:\Users\Public\AdFind.exe`, `AdFind.exe -f "objectclass=trusteddomain"`, _cmd_exe))
}

test_get_adtrust_script_block if {
	"T1482" in _found(_block("Get-ADTrust -Filter * | Select Name,Direction"))
}
