# T1490 Inhibit System Recovery (impact): the ransomware prologue.
package mitre

detections contains {"technique": "T1490", "tactic": "impact", "rule": "vssadmin_delete_shadows"} if {
	input.telemetry.event == "process.start"
	_image in {"vssadmin.exe"}
	contains(_cmd, "delete")
	contains(_cmd, "shadows")
}

# Shrinking the shadow storage to nothing deletes the copies as well.
detections contains {"technique": "T1490", "tactic": "impact", "rule": "vssadmin_resize_shadowstorage"} if {
	input.telemetry.event == "process.start"
	_image in {"vssadmin.exe"}
	contains(_cmd, "resize shadowstorage")
	_contains_any(_cmd, ["/maxsize=401mb", "/maxsize=320mb", "/maxsize=1mb"])
}

detections contains {"technique": "T1490", "tactic": "impact", "rule": "wmic_shadowcopy_delete"} if {
	input.telemetry.event == "process.start"
	_image in {"wmic.exe"}
	contains(_cmd, "shadowcopy")
	contains(_cmd, "delete")
}

detections contains {"technique": "T1490", "tactic": "impact", "rule": "bcdedit_disable_recovery"} if {
	input.telemetry.event == "process.start"
	_image in {"bcdedit.exe"}
	_contains_any(_cmd, ["recoveryenabled no", "recoveryenabled off", "bootstatuspolicy ignoreallfailures"])
}

detections contains {"technique": "T1490", "tactic": "impact", "rule": "wbadmin_delete_backups"} if {
	input.telemetry.event == "process.start"
	_image in {"wbadmin.exe"}
	contains(_cmd, "delete")
	_contains_any(_cmd, ["catalog", "systemstatebackup", "backup"])
}

detections contains {"technique": "T1490", "tactic": "impact", "rule": "powershell_shadowcopy_delete"} if {
	contains(_ps_text, "win32_shadowcopy")
	_contains_any(_ps_text, [".delete()", "remove-wmiobject", "remove-ciminstance"])
}
