// `hel`: the command line. It only wires the phases together; each subcommand
// lives in its own file.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/Commands.h"
#include "cli/Version.h"
#include "support/Diagnostics.h"

int main(int argc, char** argv) {
  CLI::App app{"hel: a compiler and runner for .hel GPU kernels (Helion's language, without Python)", "hel"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", hel::cli::versionText());
  int status = hel::kExitOk;
  hel::cli::addEmitCommand(app, &status);
  hel::cli::addRunCommands(app, &status);
  hel::cli::addDevicesCommand(app, &status);
  hel::cli::addBenchCommand(app, &status);
  hel::cli::addTuneCommand(app, &status);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return hel::kExitUsage;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return hel::kExitUsage;
  }
  return status;
}
