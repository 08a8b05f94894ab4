# Execution and lateral movement: malicious documents (T1204.002), WMI
# (T1047), PsExec-style service execution (T1569.002), Unix reverse shells
# (T1059.004), pass-the-hash logons (T1550.002).
package mitre

_office_images := {"winword.exe", "excel.exe", "powerpnt.exe", "outlook.exe", "onenote.exe", "mspub.exe", "msaccess.exe", "visio.exe"}

_payload_children := _script_hosts | {"certutil.exe", "bitsadmin.exe", "schtasks.exe", "msiexec.exe", "wmic.exe", "curl.exe"}

# An Office application starting a shell or a LOLBin: a macro or exploit ran.
detections contains {"technique": "T1204.002", "tactic": "execution", "rule": "office_spawns_shell"} if {
	input.telemetry.event == "process.start"
	_parent_image in _office_images
	_image in _payload_children
}

# wmic process call create (locally or /node:remote).
detections contains {"technique": "T1047", "tactic": "execution", "rule": "wmic_process_call_create"} if {
	input.telemetry.event == "process.start"
	_image in {"wmic.exe"}
	contains(_cmd, "process")
	contains(_cmd, "call")
	contains(_cmd, "create")
}

# The WMI provider host starting a shell: Win32_Process.Create from afar.
detections contains {"technique": "T1047", "tactic": "execution", "rule": "wmiprvse_spawns_shell"} if {
	input.telemetry.event == "process.start"
	_parent_image == "wmiprvse.exe"
	_image in _script_hosts
}

detections contains {"technique": "T1047", "tactic": "execution", "rule": "invoke_wmimethod_create"} if {
	_contains_any(_ps_text, ["invoke-wmimethod", "invoke-cimmethod"])
	contains(_ps_text, "win32_process")
	contains(_ps_text, "create")
}

# PsExec / PAExec / RemCom service running the command.
detections contains {"technique": "T1569.002", "tactic": "execution", "rule": "psexec_service_child"} if {
	input.telemetry.event == "process.start"
	_parent_image in {"psexesvc.exe", "paexec.exe", "remcomsvc.exe", "csexecsvc.exe"}
}

# psexec \\host ... from the operator's side.
detections contains {"technique": "T1569.002", "tactic": "execution", "rule": "psexec_remote_command"} if {
	input.telemetry.event == "process.start"
	_image in {"psexec.exe", "psexec64.exe", "paexec.exe"}
	some a in _args
	startswith(a, `\\`)
}

# Interactive shells wired to a socket.
detections contains {"technique": "T1059.004", "tactic": "execution", "rule": "reverse_shell_dev_tcp"} if {
	input.telemetry.event == "process.start"
	_contains_any(_cmd, ["/dev/tcp/", "/dev/udp/"])
	_contains_any(_cmd, ["sh -i", "bash -i", ">&", "0>&1", "exec "])
}

detections contains {"technique": "T1059.004", "tactic": "execution", "rule": "netcat_exec_shell"} if {
	input.telemetry.event == "process.start"
	_image in {"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd"}
	some a in _args
	a in {"-e", "-c", "--exec", "--sh-exec"}
}

detections contains {"technique": "T1059.004", "tactic": "execution", "rule": "mkfifo_netcat_shell"} if {
	input.telemetry.event == "process.start"
	contains(_cmd, "mkfifo")
	_contains_any(_cmd, ["nc ", "ncat ", "telnet ", "openssl s_client"])
	_contains_any(_cmd, ["/bin/sh", "/bin/bash", "sh -i"])
}

detections contains {"technique": "T1059.004", "tactic": "execution", "rule": "scripted_socket_shell"} if {
	input.telemetry.event == "process.start"
	_image in {"python", "python2", "python3", "perl", "ruby", "php"}
	contains(_cmd, "socket")
	_contains_any(_cmd, ["/bin/sh", "/bin/bash", "pty.spawn", "subprocess.call", "exec("])
}

# Logon type 9 (NewCredentials) through seclogo: Mimikatz sekurlsa::pth and runas /netonly.
detections contains {"technique": "T1550.002", "tactic": "lateral-movement", "rule": "new_credentials_seclogo_logon"} if {
	input.telemetry.event == "authentication"
	input.telemetry.outcome == "success"
	lower(input.telemetry.logon.type) in {"new_credentials", "9"}
	lower(input.telemetry.authentication.method) in {"seclogo", "seclogo/negotiate"}
}
