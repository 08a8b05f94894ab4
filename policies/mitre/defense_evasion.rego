# Defense evasion: log clearing (T1070.001, T1070.003), signed-binary proxy
# execution (T1218.005 mshta, T1218.010 regsvr32, T1218.011 rundll32), disabling
# security tools (T1562.001), UAC bypass (T1548.002), DLL side-loading (T1574.001).
package mitre

# wevtutil cl|clear-log <log>.
detections contains {"technique": "T1070.001", "tactic": "defense-evasion", "rule": "wevtutil_clear_log"} if {
	input.telemetry.event == "process.start"
	_image in {"wevtutil.exe"}
	_args[1] in {"cl", "clear-log"}
}

# Clear-EventLog / Remove-EventLog / EventLogSession.ClearLog from PowerShell.
detections contains {"technique": "T1070.001", "tactic": "defense-evasion", "rule": "powershell_clear_eventlog"} if {
	_contains_any(_ps_text, ["clear-eventlog", "remove-eventlog", ".clearlog("])
}

# Shell history wiped: history -c, unset HISTFILE, HISTFILE=/dev/null, rm .bash_history ...
detections contains {"technique": "T1070.003", "tactic": "defense-evasion", "rule": "shell_history_cleared"} if {
	input.telemetry.event == "process.start"
	_contains_any(_cmd, [
		"history -c", "unset histfile", "histfile=/dev/null", "histsize=0", "histfilesize=0",
		"rm -f ~/.bash_history", "rm ~/.bash_history", "rm -rf ~/.bash_history",
		"ln -sf /dev/null ~/.bash_history", "> ~/.bash_history", "truncate -s0 ~/.bash_history",
		"(get-psreadlineoption).historysavepath",
	])
}

detections contains {"technique": "T1070.003", "tactic": "defense-evasion", "rule": "history_file_deleted"} if {
	input.telemetry.event == "file"
	input.telemetry.action in {"delete", "modify"}
	path := lower(input.telemetry.file.path)
	_contains_any(path, ["/.bash_history", "/.zsh_history", "/.sh_history", `\consolehost_history.txt`])
	input.telemetry.file.size == 0
}

detections contains {"technique": "T1070.003", "tactic": "defense-evasion", "rule": "history_file_deleted"} if {
	input.telemetry.event == "file"
	input.telemetry.action == "delete"
	path := lower(input.telemetry.file.path)
	_contains_any(path, ["/.bash_history", "/.zsh_history", "/.sh_history", `\consolehost_history.txt`])
}

# mshta running remote or inline script.
detections contains {"technique": "T1218.005", "tactic": "defense-evasion", "rule": "mshta_remote_or_inline_script"} if {
	input.telemetry.event == "process.start"
	_image in {"mshta.exe"}
	_contains_any(_cmd, ["http://", "https://", "javascript:", "vbscript:", `\\`])
}

# regsvr32 /i:<url> scrobj.dll: Squiblydoo.
detections contains {"technique": "T1218.010", "tactic": "defense-evasion", "rule": "regsvr32_squiblydoo"} if {
	input.telemetry.event == "process.start"
	_image in {"regsvr32.exe"}
	_contains_any(_cmd, ["/i:", "-i:"])
	_contains_any(_cmd, ["http://", "https://", "scrobj", "ftp://"])
}

# regsvr32 registering a DLL out of a user-writable folder.
detections contains {"technique": "T1218.010", "tactic": "defense-evasion", "rule": "regsvr32_user_writable_dll"} if {
	input.telemetry.event == "process.start"
	_image in {"regsvr32.exe"}
	_user_writable(_cmd)
}

# rundll32 javascript:"\..\mshtml,RunHTMLApplication" and friends.
detections contains {"technique": "T1218.011", "tactic": "defense-evasion", "rule": "rundll32_script"} if {
	input.telemetry.event == "process.start"
	_image in {"rundll32.exe"}
	_contains_any(_cmd, ["javascript:", "vbscript:", "runhtmlapplication", "mshtml,"])
}

# rundll32 loading a DLL from a user-writable folder.
detections contains {"technique": "T1218.011", "tactic": "defense-evasion", "rule": "rundll32_user_writable_dll"} if {
	input.telemetry.event == "process.start"
	_image in {"rundll32.exe"}
	_user_writable(_cmd)
	not contains(_cmd, `\appdata\local\microsoft\`)
}

# Defender switched off: Set-MpPreference -Disable* $true, or its policy keys set to 1.
detections contains {"technique": "T1562.001", "tactic": "defense-evasion", "rule": "set_mppreference_disable"} if {
	contains(_ps_text, "set-mppreference")
	_contains_any(_ps_text, ["-disablerealtimemonitoring", "-disableioavprotection", "-disablebehaviormonitoring", "-disablescriptscanning", "-disableblockatfirstseen"])
	_contains_any(_ps_text, ["$true", " 1", ":1"])
}

detections contains {"technique": "T1562.001", "tactic": "defense-evasion", "rule": "set_mppreference_exclusion"} if {
	contains(_ps_text, "add-mppreference")
	_contains_any(_ps_text, ["-exclusionpath", "-exclusionprocess", "-exclusionextension"])
}

_enabled_dword(strings) if {
	some s in strings
	lower(s) in {"1", "0x00000001", "dword (0x00000001)"}
}

detections contains {"technique": "T1562.001", "tactic": "defense-evasion", "rule": "defender_policy_disabled"} if {
	input.telemetry.event == "registry"
	input.telemetry.action == "set"
	path := lower(input.telemetry.registry.path)
	contains(path, `\policies\microsoft\windows defender\`)
	_contains_any(path, [`\disableantispyware`, `\disableantivirus`, `\real-time protection\disablerealtimemonitoring`, `\real-time protection\disablebehaviormonitoring`])
	_enabled_dword(input.telemetry.registry.data.strings)
}

# Security services stopped: sc stop|config WinDefend, systemctl stop auditd, setenforce 0.
detections contains {"technique": "T1562.001", "tactic": "defense-evasion", "rule": "security_service_stopped"} if {
	input.telemetry.event == "process.start"
	_contains_any(_cmd, ["sc stop windefend", "sc config windefend start= disabled", "sc.exe stop windefend", "net stop windefend", "net stop sense", "sc stop sense"])
}

detections contains {"technique": "T1562.001", "tactic": "defense-evasion", "rule": "security_service_stopped"} if {
	input.telemetry.event == "process.start"
	_image in {"systemctl", "service"}
	_contains_any(_cmd, [" stop ", " disable ", " mask "])
	_contains_any(_cmd, ["auditd", "falcon-sensor", "osqueryd", "wazuh-agent", "sysmon", "elastic-agent", "apparmor"])
}

detections contains {"technique": "T1562.001", "tactic": "defense-evasion", "rule": "selinux_disabled"} if {
	input.telemetry.event == "process.start"
	_image in {"setenforce"}
	_args[1] in {"0", "permissive"}
}

# UAC bypass: a per-user shell handler that auto-elevating binaries consult
# (fodhelper/computerdefaults -> ms-settings, eventvwr -> mscfile, sdclt -> Folder/exefile).
_uac_hijack_keys := [
	`\software\classes\ms-settings\shell\open\command`, `\software\classes\mscfile\shell\open\command`,
	`\software\classes\exefile\shell\runas\command`, `\software\classes\folder\shell\open\command`,
	`\software\classes\launcher.systemsettings\shell\open\command`,
]

detections contains {"technique": "T1548.002", "tactic": "privilege-escalation", "rule": "uac_shell_handler_hijack"} if {
	input.telemetry.event == "registry"
	input.telemetry.action in {"set", "create"}
	path := lower(input.telemetry.registry.path)
	startswith(path, "hkcu")
	_contains_any(path, _uac_hijack_keys)
}

detections contains {"technique": "T1548.002", "tactic": "privilege-escalation", "rule": "uac_shell_handler_hijack"} if {
	input.telemetry.event == "registry"
	input.telemetry.action in {"set", "create"}
	path := lower(input.telemetry.registry.path)
	startswith(path, "hku")
	contains(path, "_classes")
	_contains_any(path, [`\ms-settings\shell\open\command`, `\mscfile\shell\open\command`, `\folder\shell\open\command`])
}

# An auto-elevating binary that starts a shell: the bypass going off.
detections contains {"technique": "T1548.002", "tactic": "privilege-escalation", "rule": "auto_elevate_spawns_shell"} if {
	input.telemetry.event == "process.start"
	_parent_image in {"fodhelper.exe", "computerdefaults.exe", "eventvwr.exe", "sdclt.exe", "slui.exe", "wsreset.exe"}
	_image in _script_hosts
}

# An unsigned DLL from a user-writable folder loaded by a Windows or Program Files binary.
detections contains {"technique": "T1574.001", "tactic": "defense-evasion", "rule": "unsigned_dll_from_user_writable_path"} if {
	input.telemetry.event == "module.load"
	input.telemetry.dll.code_signature.signed == false
	_user_writable(input.telemetry.dll.path)
	_contains_any(_exe, [`c:\windows\`, `c:\program files`])
}
