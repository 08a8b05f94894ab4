// Runs a command line through the shell and keeps what it printed: the CLI
// tests drive the real `genesis` binary this way.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace genesis::testing {

struct CommandRun {
  int exit_code = -1;
  std::string out;  // stdout (and stderr when the command line redirects it there)
};

inline CommandRun run_command(const std::string& command_line) {
  CommandRun r;
  FILE* p = popen(command_line.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace genesis::testing
