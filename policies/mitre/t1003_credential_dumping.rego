# T1003 OS Credential Dumping: LSASS memory (.001), SAM (.002), NTDS (.003).
package mitre

# Processes that legitimately read LSASS memory.
_lsass_readers := {
	`c:\windows\system32\wininit.exe`, `c:\windows\system32\csrss.exe`,
	`c:\windows\system32\services.exe`, `c:\windows\system32\lsm.exe`,
	`c:\windows\system32\wbem\wmiprvse.exe`, `c:\windows\system32\taskmgr.exe`,
}

_defender(exe) if startswith(exe, `c:\programdata\microsoft\windows defender\platform\`)

# A handle to lsass.exe with PROCESS_VM_READ (0x10) from anything but the system's own readers.
detections contains {"technique": "T1003.001", "tactic": "credential-access", "rule": "lsass_vm_read_access"} if {
	input.telemetry.event == "process.access"
	_target_image == "lsass.exe"
	bits.and(input.telemetry.process.granted_access, 16) == 16
	not _exe in _lsass_readers
	not _defender(_exe)
}

# rundll32 comsvcs.dll MiniDump <lsass pid> out.dmp full (or its ordinal #24).
detections contains {"technique": "T1003.001", "tactic": "credential-access", "rule": "comsvcs_minidump"} if {
	input.telemetry.event == "process.start"
	contains(_cmd, "comsvcs")
	_contains_any(_cmd, ["minidump", "#24", "#+24"])
}

# procdump -ma lsass.exe (Sysinternals) and its renamed copies.
detections contains {"technique": "T1003.001", "tactic": "credential-access", "rule": "procdump_lsass"} if {
	input.telemetry.event == "process.start"
	contains(_cmd, "lsass")
	_contains_any(_cmd, [" -ma ", " /ma ", " -mm ", " -accepteula -ma"])
}

# reg save HKLM\SAM|SYSTEM|SECURITY: hives taken for offline cracking.
detections contains {"technique": "T1003.002", "tactic": "credential-access", "rule": "reg_save_sam_hive"} if {
	input.telemetry.event == "process.start"
	_image in {"reg.exe", "reg"}
	_contains_any(_cmd, [" save ", " export "])
	_contains_any(_cmd, [`hklm\sam`, `hklm\system`, `hklm\security`, `hkey_local_machine\sam`, `hkey_local_machine\system`, `hkey_local_machine\security`])
}

# ntdsutil "ac i ntds" "ifm" "create full ..." : an install-from-media copy of NTDS.dit.
detections contains {"technique": "T1003.003", "tactic": "credential-access", "rule": "ntdsutil_ifm"} if {
	input.telemetry.event == "process.start"
	_image in {"ntdsutil.exe"}
	contains(_cmd, "ifm")
}

# Copying ntds.dit out of a shadow copy.
detections contains {"technique": "T1003.003", "tactic": "credential-access", "rule": "ntds_dit_copy"} if {
	input.telemetry.event == "process.start"
	contains(_cmd, `\ntds.dit`)
	_contains_any(_cmd, ["copy ", "esentutl", "harddiskvolumeshadowcopy"])
}
