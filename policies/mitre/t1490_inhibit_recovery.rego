# T1490 Inhibit System Recovery (impact): the ransomware prologue.
package mitre

detections contains {"technique": "T1490", "tactic": "impact", "rule": "vssadmin_delete_shadows"} if {
	_kind == "process.start"
	_started({"vssadmin.exe"})
	contains(_cmd, "delete")
	contains(_cmd, "shadows")
}

# Shrinking the shadow storage to nothing deletes the copies as well.
detections contains {"technique": "T1490", "tactic": "impact", "rule": "vssadmin_resize_shadowstorage"} if {
	_kind == "process.start"
	_started({"vssadmin.exe"})
	contains(_cmd, "resize shadowstorage")
	_contains_any(_cmd, ["/maxsize=401mb", "/maxsize=320mb", "/maxsize=1mb"])
}

detections contains {"technique": "T1490", "tactic": "impact", "rule": "wmic_shadowcopy_delete"} if {
	_kind == "process.start"
	_started({"wmic.exe"})
	contains(_cmd, "shadowcopy")
	contains(_cmd, "delete")
}

detections contains {"technique": "T1490", "tactic": "impact", "rule": "bcdedit_disable_recovery"} if {
	_kind == "process.start"
	_started({"bcdedit.exe"})
	_contains_any(_cmd, ["recoveryenabled no", "recoveryenabled off", "bootstatuspolicy ignoreallfailures"])
}

detections contains {"technique": "T1490", "tactic": "impact", "rule": "wbadmin_delete_backups"} if {
	_kind == "process.start"
	_started({"wbadmin.exe"})
	contains(_cmd, "delete")
	_contains_any(_cmd, ["catalog", "systemstatebackup", "backup"])
}

detections contains {"technique": "T1490", "tactic": "impact", "rule": "powershell_shadowcopy_delete"} if {
	contains(_ps_text, "win32_shadowcopy")
	_contains_any(_ps_text, [".delete()", "remove-wmiobject", "remove-ciminstance"])
}
