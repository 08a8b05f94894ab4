package mitre_test

_access(src, target, mask) := _ev({"event": "process.access", "process": {"executable": src, "granted_access": mask}, "target": {"executable": target}})

_thread(src, target, fn) := _ev({"event": "process.remote_thread", "process": {"executable": src}, "target": {"executable": target}, "thread": {"start_module": `C:\Windows\System32\KERNEL32.DLL`, "start_function": fn}})

test_seed_inject_rule if {
	ds := _detections(_ev({"event": "process.inject", "source_process": "loader.exe", "target_process": "explorer.exe"}))
	some d in ds
	d.technique == "T1055"
	d.rule == "seed_cross_process_inject"
}

test_seed_self_write_is_benign if {
	count(_found(_ev({"event": "process.inject", "source_process": "chrome.exe", "target_process": "chrome.exe"}))) == 0
}

test_injection_rights_from_temp if {
	"T1055" in _found(_access(`C:\Users\bob\AppData\Local\Temp\upd.exe`, `C:\Windows\explorer.exe`, 5178))
}

test_injection_rights_all_access if {
	"T1055" in _found(_access(`C:\Users\Public\svc.exe`, `C:\Windows\System32\notepad.exe`, 2097151))
}

test_query_rights_from_temp_is_benign if {
	# PROCESS_QUERY_LIMITED_INFORMATION only: what installers do to wait on a process.
	count(_found(_access(`C:\Users\bob\AppData\Local\Temp\setup.exe`, `C:\Windows\explorer.exe`, 4096))) == 0
}

test_injection_rights_from_program_files_is_benign if {
	count(_found(_access(`C:\Program Files\Microsoft Visual Studio\Common7\IDE\devenv.exe`, `C:\work\app.exe`, 2097151))) == 0
}

test_loadlibrary_remote_thread if {
	ds := _detections(_thread(`C:\Tools\inj.exe`, `C:\Windows\System32\notepad.exe`, "LoadLibraryW"))
	some d in ds
	d.technique == "T1055.001"
}

test_remote_thread_from_downloads if {
	"T1055" in _found(_thread(`C:\Users\bob\Downloads\invoice.exe`, `C:\Windows\explorer.exe`, "0x7ff6a1b2c3d4"))
}

test_system_remote_thread_is_benign if {
	# csrss starting CtrlRoutine in a console process on Ctrl+C.
	count(_found(_thread(`C:\Windows\System32\csrss.exe`, `C:\Windows\System32\cmd.exe`, "CtrlRoutine"))) == 0
}
