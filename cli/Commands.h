// The `hel` subcommands. Each one is a thin driver: it reads its inputs, hands
// them through the phases in order and turns the outcome into an exit status.
#pragma once

#include <CLI/CLI.hpp>

namespace hel::cli {

// Each registers its subcommand on `app`; the callback it installs stores the
// exit status in `*status`.
void addEmitCommand(CLI::App& app, int* status);
void addRunCommands(CLI::App& app, int* status);
void addDevicesCommand(CLI::App& app, int* status);
void addBenchCommand(CLI::App& app, int* status);
void addTuneCommand(CLI::App& app, int* status);

}  // namespace hel::cli
