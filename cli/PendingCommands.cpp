// Subcommands of DESIGN.md that later work completes. They are listed in
// `hel --help` so the command line is whole, and say plainly that they are not
// available yet instead of pretending to work.
#include <iostream>

#include "cli/Commands.h"
#include "support/Diagnostics.h"

namespace hel::cli {

void addPendingCommands(CLI::App& app, int* status) {
  struct Pending {
    const char* name;
    const char* description;
  };
  static const Pending kPending[] = {
      {"tune", "Autotune every kernel call a script makes and write FILE.hel.tune.toml"},
  };
  for (const Pending& pending : kPending) {
    CLI::App* command = app.add_subcommand(pending.name, pending.description);
    command->allow_extras();
    const char* name = pending.name;
    command->callback([name, status] {
      DiagnosticEngine diags(std::cerr);
      diags.report(diag::CommandNotAvailable, {}, name);
      *status = kExitUsage;
    });
  }
}

}  // namespace hel::cli
