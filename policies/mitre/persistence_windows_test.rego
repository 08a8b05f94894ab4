package mitre_test

_schtasks := `C:\Windows\System32\schtasks.exe`

_reg(action, path, strings) := _ev({"event": "registry", "action": action, "registry": {"path": path, "data": {"strings": strings}}})

test_schtasks_create if {
	ds := _detections(_proc(_schtasks, `schtasks /create /sc minute /mo 5 /tn "Updater" /tr "C:\Users\bob\AppData\Roaming\upd.exe" /f`, _cmd_exe))
	some d in ds
	d.technique == "T1053.005"
	d.tactic == "persistence"
}

test_schtasks_query_is_benign if {
	count(_found(_proc(_schtasks, "schtasks /query /fo LIST /v", _cmd_exe))) == 0
}

test_schtasks_run_existing_task_is_benign if {
	count(_found(_proc(_schtasks, `schtasks /run /tn "\Microsoft\Windows\Defrag\ScheduledDefrag"`, _cmd_exe))) == 0
}

test_register_scheduledtask_powershell if {
	"T1053.005" in _found(_block("$a = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument '-w hidden -f C:\\Users\\Public\\a.ps1'; Register-ScheduledTask -TaskName 'Sync' -Action $a -Trigger (New-ScheduledTaskTrigger -AtLogOn)"))
}

test_run_key_to_appdata if {
	ds := _detections(_reg("set", `HKU\S-1-5-21-1004\Software\Microsoft\Windows\CurrentVersion\Run\updater`, [`C:\Users\bob\AppData\Roaming\updater.exe`]))
	some d in ds
	d.technique == "T1547.001"
	d.rule == "run_key_suspicious_target"
}

test_run_key_to_mshta if {
	"T1547.001" in _found(_reg("set", `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce\x`, [`mshta.exe vbscript:Execute("CreateObject(""WScript.Shell"").Run ""powershell -w hidden""")`]))
}

test_run_key_for_program_files_app_is_benign if {
	count(_found(_reg("set", `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\SecurityHealth`, [`%windir%\system32\SecurityHealthSystray.exe`]))) == 0
	count(_found(_reg("set", `HKU\S-1-5-21-1004\Software\Microsoft\Windows\CurrentVersion\Run\OneDrive`, [`"C:\Users\bob\AppData\Local\Microsoft\OneDrive\OneDrive.exe" /background`]))) == 0
}

test_other_currentversion_key_is_benign if {
	count(_found(_reg("set", `HKU\S-1-5-21-1004\Software\Microsoft\Windows\CurrentVersion\Explorer\RecentDocs\x`, [`C:\Users\bob\AppData\Local\Temp\report.docx`]))) == 0
}

test_startup_folder_script if {
	"T1547.001" in _found(_ev({"event": "file", "action": "create", "file": {"path": `C:\Users\bob\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\sync.vbs`}}))
}

test_startup_folder_shortcut_is_benign if {
	count(_found(_ev({"event": "file", "action": "create", "file": {"path": `C:\Users\bob\AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup\Slack.lnk`}}))) == 0
}

test_sc_create if {
	"T1543.003" in _found(_proc(`C:\Windows\System32\sc.exe`, `sc.exe create WinUpdSvc binPath= "C:\ProgramData\svc.exe" start= auto`, _cmd_exe))
}

test_sc_query_is_benign if {
	count(_found(_proc(`C:\Windows\System32\sc.exe`, "sc.exe query type= service state= all", _cmd_exe))) == 0
}

test_service_imagepath_in_temp if {
	"T1543.003" in _found(_reg("set", `HKLM\System\CurrentControlSet\Services\updsvc\ImagePath`, [`C:\Windows\Temp\updsvc.exe`]))
}

test_service_imagepath_system32_is_benign if {
	count(_found(_reg("set", `HKLM\System\CurrentControlSet\Services\W32Time\ImagePath`, [`%SystemRoot%\system32\svchost.exe -k LocalService`]))) == 0
}

test_ifeo_debugger_on_sethc if {
	"T1546.012" in _found(_reg("set", `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\sethc.exe\Debugger`, [`C:\Windows\System32\cmd.exe`]))
}

test_silent_process_exit_monitor if {
	"T1546.012" in _found(_reg("set", `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SilentProcessExit\notepad.exe\MonitorProcess`, [`C:\Users\Public\m.exe`]))
}

test_ifeo_mitigation_options_is_benign if {
	count(_found(_reg("set", `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options\chrome.exe\MitigationOptions`, ["0x0000000000000100"]))) == 0
}

test_net_user_add if {
	"T1136.001" in _found(_proc(`C:\Windows\System32\net.exe`, "net user support_adm P@ssw0rd! /add", _cmd_exe))
}

test_net_user_query_is_not_account_creation if {
	not "T1136.001" in _found(_proc(`C:\Windows\System32\net.exe`, "net user support_adm", _cmd_exe))
}

test_new_localuser if {
	"T1136.001" in _found(_block("New-LocalUser -Name 'helpdesk2' -Password $pw -FullName 'Helpdesk'"))
}
