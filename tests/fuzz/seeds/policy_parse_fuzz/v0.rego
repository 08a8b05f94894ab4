package mitre

dns[t] {
  input.e == "dns"
  not input.x
  t := "T1071.004"
}
