# T1055 Process Injection (defense evasion, privilege escalation).
package mitre

# The seed's rule, as written: a sensor saw one process write into another.
detections contains {"technique": "T1055", "tactic": "defense-evasion", "rule": "seed_cross_process_inject"} if {
	input.telemetry.event == "process.inject"
	input.telemetry.target_process != input.telemetry.source_process
}

# A handle to another process with write + operate + create-thread rights
# (PROCESS_VM_WRITE 0x20 | PROCESS_VM_OPERATION 0x08 | PROCESS_CREATE_THREAD 0x02),
# opened by a binary running from a user-writable folder (Sysmon 10).
detections contains {"technique": "T1055", "tactic": "defense-evasion", "rule": "inject_rights_from_user_writable_path"} if {
	input.telemetry.event == "process.access"
	bits.and(input.telemetry.process.granted_access, 42) == 42
	_exe != lower(input.telemetry.target.executable)
	_user_writable(_exe)
	_target_image != "lsass.exe"
}

# CreateRemoteThread whose start address is LoadLibrary: classic DLL injection (Sysmon 8).
detections contains {"technique": "T1055.001", "tactic": "defense-evasion", "rule": "remote_thread_loadlibrary"} if {
	input.telemetry.event == "process.remote_thread"
	_exe != lower(input.telemetry.target.executable)
	lower(input.telemetry.thread.start_function) in {"loadlibrarya", "loadlibraryw", "loadlibraryexa", "loadlibraryexw"}
}

# CreateRemoteThread into another process by a binary from a user-writable folder.
detections contains {"technique": "T1055", "tactic": "defense-evasion", "rule": "remote_thread_from_user_writable_path"} if {
	input.telemetry.event == "process.remote_thread"
	_exe != lower(input.telemetry.target.executable)
	_user_writable(_exe)
}
