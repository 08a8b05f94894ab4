package mitre_test

_lsass := `C:\Windows\System32\lsass.exe`

test_mimikatz_style_lsass_read if {
	"T1003.001" in _found(_access(`C:\Users\bob\AppData\Local\Temp\m.exe`, _lsass, 4112))
}

test_lsass_read_access_mask_integer if {
	ds := _detections(_access(`C:\Tools\dump64.exe`, _lsass, 5136))
	some d in ds
	d.rule == "lsass_vm_read_access"
	d.tactic == "credential-access"
}

test_defender_scanning_lsass_is_benign if {
	count(_found(_access(`C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0\MsMpEng.exe`, _lsass, 5136))) == 0
}

test_query_only_lsass_handle_is_benign if {
	# PROCESS_QUERY_LIMITED_INFORMATION (0x1000): task managers and EDR enumerating processes.
	count(_found(_access(`C:\Program Files\SysinternalsSuite\procexp64.exe`, _lsass, 4096))) == 0
}

test_comsvcs_minidump if {
	"T1003.001" in _found(_proc(`C:\Windows\System32\rundll32.exe`, `rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 C:\Windows\Temp\out.dmp full`, _powershell))
}

test_comsvcs_ordinal if {
	"T1003.001" in _found(_proc(`C:\Windows\System32\rundll32.exe`, `rundll32 comsvcs.dll #24 624 C:\temp\l.dmp full`, _cmd_exe))
}

test_rundll32_control_panel_is_benign if {
	count(_found(_proc(`C:\Windows\System32\rundll32.exe`, `rundll32.exe shell32.dll,Control_RunDLL desk.cpl`, _explorer))) == 0
}

test_procdump_lsass if {
	"T1003.001" in _found(_proc(`C:\Tools\procdump64.exe`, `procdump64.exe -accepteula -ma lsass.exe C:\temp\lsass.dmp`, _cmd_exe))
}

test_procdump_of_web_worker_is_benign if {
	count(_found(_proc(`C:\Tools\procdump64.exe`, `procdump64.exe -ma w3wp.exe C:\dumps\w3wp.dmp`, _cmd_exe))) == 0
}

test_reg_save_sam if {
	"T1003.002" in _found(_proc(`C:\Windows\System32\reg.exe`, `reg save HKLM\SAM C:\Windows\Temp\sam.save`, _cmd_exe))
}

test_reg_save_software_key_is_benign if {
	count(_found(_proc(`C:\Windows\System32\reg.exe`, `reg save HKLM\SOFTWARE\Contoso\App C:\backup\app.hiv`, _cmd_exe))) == 0
}

test_ntdsutil_ifm if {
	"T1003.003" in _found(_proc(`C:\Windows\System32\ntdsutil.exe`, `ntdsutil "ac i ntds" "ifm" "create full c:\temp\ntds" q q`, _cmd_exe))
}

test_ntds_copy_from_shadow if {
	"T1003.003" in _found(_proc(_cmd_exe, `cmd.exe /c copy \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1\Windows\NTDS\ntds.dit C:\temp\ntds.dit`, _cmd_exe))
}

test_ntdsutil_metadata_cleanup_is_benign if {
	count(_found(_proc(`C:\Windows\System32\ntdsutil.exe`, `ntdsutil "metadata cleanup" "remove selected server dc02" q q`, _cmd_exe))) == 0
}
