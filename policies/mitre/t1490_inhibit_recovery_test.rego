package mitre_test

test_vssadmin_delete_shadows if {
	ds := _detections(_proc(`C:\Windows\System32\vssadmin.exe`, "vssadmin.exe Delete Shadows /All /Quiet", _cmd_exe))
	some d in ds
	d.technique == "T1490"
	d.tactic == "impact"
}

test_vssadmin_list_shadows_is_benign if {
	count(_found(_proc(`C:\Windows\System32\vssadmin.exe`, "vssadmin list shadows", _cmd_exe))) == 0
}

test_vssadmin_resize_to_nothing if {
	"T1490" in _found(_proc(`C:\Windows\System32\vssadmin.exe`, "vssadmin resize shadowstorage /for=c: /on=c: /maxsize=401MB", _cmd_exe))
}

test_vssadmin_resize_to_a_sane_size_is_benign if {
	count(_found(_proc(`C:\Windows\System32\vssadmin.exe`, "vssadmin resize shadowstorage /for=c: /on=d: /maxsize=20%", _cmd_exe))) == 0
}

test_wmic_shadowcopy_delete if {
	"T1490" in _found(_proc(`C:\Windows\System32\wbem\WMIC.exe`, "wmic shadowcopy delete /nointeractive", _cmd_exe))
}

test_bcdedit_recovery_off if {
	"T1490" in _found(_proc(`C:\Windows\System32\bcdedit.exe`, "bcdedit /set {default} recoveryenabled No", _cmd_exe))
}

test_bcdedit_enum_is_benign if {
	count(_found(_proc(`C:\Windows\System32\bcdedit.exe`, "bcdedit /enum all", _cmd_exe))) == 0
}

test_wbadmin_delete_catalog if {
	"T1490" in _found(_proc(`C:\Windows\System32\wbadmin.exe`, "wbadmin delete catalog -quiet", _cmd_exe))
}

test_wbadmin_start_backup_is_benign if {
	count(_found(_proc(`C:\Windows\System32\wbadmin.exe`, "wbadmin start backup -backupTarget:E: -include:C: -quiet", _cmd_exe))) == 0
}

test_powershell_shadowcopy_delete_script_block if {
	"T1490" in _found(_block("Get-WmiObject Win32_Shadowcopy | ForEach-Object { $_.Delete() }"))
}

test_powershell_shadowcopy_listing_is_benign if {
	count(_found(_block("Get-CimInstance Win32_ShadowCopy | Select-Object ID, InstallDate"))) == 0
}
