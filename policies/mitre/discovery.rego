# Discovery: account (T1087.001/.002), owner/user (T1033), system information
# (T1082), network configuration (T1016), domain trusts (T1482).
package mitre

# Processes that serve requests: discovery commands under them mean someone is
# working through a web shell or an exploited service, not at a console.
_server_parents := {
	"w3wp.exe", "httpd.exe", "nginx.exe", "tomcat.exe", "tomcat9.exe", "java.exe", "php-cgi.exe",
	"sqlservr.exe", "wmiprvse.exe", "spoolsv.exe", "httpd", "nginx", "apache2", "php-fpm", "java",
	"node", "node.exe",
}

_system_user if _user in {"system", `nt authority\system`, "local system"}

# net user / net localgroup (no /add, no /domain): listing local accounts and groups.
detections contains {"technique": "T1087.001", "tactic": "discovery", "rule": "net_local_accounts"} if {
	input.telemetry.event == "process.start"
	_image in {"net.exe", "net1.exe"}
	_args[1] in {"user", "users", "localgroup"}
	not "/add" in _args
	not "/delete" in _args
	not "/domain" in _args
}

# Reading the account databases on Linux/macOS from a server process.
detections contains {"technique": "T1087.001", "tactic": "discovery", "rule": "passwd_read_by_server_process"} if {
	input.telemetry.event == "process.start"
	_parent_image in _server_parents
	_contains_any(_cmd, ["/etc/passwd", "/etc/shadow", "dscl . list /users"])
}

# net user|group|accounts ... /domain: enumerating domain accounts and groups.
detections contains {"technique": "T1087.002", "tactic": "discovery", "rule": "net_domain_accounts"} if {
	input.telemetry.event == "process.start"
	_image in {"net.exe", "net1.exe"}
	_args[1] in {"user", "users", "group", "accounts"}
	"/domain" in _args
	not "/add" in _args
}

# whoami / quser run as SYSTEM or under a server process (web shell, exploited service).
detections contains {"technique": "T1033", "tactic": "discovery", "rule": "whoami_from_service_context"} if {
	input.telemetry.event == "process.start"
	_image in {"whoami.exe", "whoami", "quser.exe", "query.exe", "id"}
	_parent_image in _server_parents
}

detections contains {"technique": "T1033", "tactic": "discovery", "rule": "whoami_as_system"} if {
	input.telemetry.event == "process.start"
	_image in {"whoami.exe"}
	_system_user
}

# systeminfo / hostnamectl / uname -a from a server process or a script host.
detections contains {"technique": "T1082", "tactic": "discovery", "rule": "system_info_from_unusual_parent"} if {
	input.telemetry.event == "process.start"
	_image in {"systeminfo.exe", "hostnamectl", "uname"}
	_parent_image in (_server_parents | {"wscript.exe", "cscript.exe", "mshta.exe", "rundll32.exe", "regsvr32.exe"})
}

# wmic os|computersystem|bios get ...: the WMI flavour of the same question.
detections contains {"technique": "T1082", "tactic": "discovery", "rule": "wmic_system_info"} if {
	input.telemetry.event == "process.start"
	_image in {"wmic.exe"}
	_contains_any(_cmd, [" os get", " computersystem get", " bios get", " qfe get", " qfe list"])
}

# ipconfig /all, arp -a, route print, netsh interface show ... run from a server
# process or script host, or ipconfig /all chained with other recon in one line.
detections contains {"technique": "T1016", "tactic": "discovery", "rule": "network_config_from_unusual_parent"} if {
	input.telemetry.event == "process.start"
	_image in {"ipconfig.exe", "arp.exe", "route.exe", "netsh.exe", "ifconfig", "ip"}
	_parent_image in (_server_parents | {"wscript.exe", "cscript.exe", "mshta.exe", "rundll32.exe", "regsvr32.exe"})
}

detections contains {"technique": "T1016", "tactic": "discovery", "rule": "chained_network_recon"} if {
	input.telemetry.event == "process.start"
	contains(_cmd, "ipconfig /all")
	_contains_any(_cmd, ["arp -a", "route print", "netstat -an", "net view", "nltest"])
}

# nltest /domain_trusts | /all_trusts | /trusted_domains, dsquery trustedDomain, Get-ADTrust.
detections contains {"technique": "T1482", "tactic": "discovery", "rule": "nltest_domain_trusts"} if {
	input.telemetry.event == "process.start"
	_image in {"nltest.exe"}
	_contains_any(_cmd, ["/domain_trusts", "/all_trusts", "/trusted_domains", "/dclist"])
}

detections contains {"technique": "T1482", "tactic": "discovery", "rule": "dsquery_trusts"} if {
	input.telemetry.event == "process.start"
	contains(_cmd, "trusteddomain")
	_contains_any(_cmd, ["dsquery", "adfind"])
}

detections contains {"technique": "T1482", "tactic": "discovery", "rule": "powershell_trust_enumeration"} if {
	_contains_any(_ps_text, ["get-adtrust", "getalltrustrelationships", "get-domaintrust", "get-foresttrust"])
}
