#include "cli/TuneMerge.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/Input.h"
#include "cli/Script.h"
#include "support/CacheDir.h"

namespace hel::cli {

int mergeTuneFiles(const std::vector<std::string>& inputs, const std::string& output) {
  SourceManager sources;
  DiagnosticEngine diags(std::cerr);
  tune::TuneFile merged;
  std::vector<std::string> origins;  // per merged entry, the input it came from
  int entries = 0, conflicts = 0;
  for (const std::string& input : inputs) {
    std::optional<std::string> text = readFile(input);
    if (!text) {
      diags.report(diag::CannotReadFile, {}, input, std::strerror(errno));
      return kExitUsage;
    }
    std::optional<tune::TuneFile> file = parseTuneFile(input, *text, sources, diags);
    if (!file) return kExitUsage;
    for (tune::TunedLoop& loop : file->loops) {
      ++entries;
      auto same = std::find_if(merged.loops.begin(), merged.loops.end(),
                               [&](const tune::TunedLoop& kept) { return kept.key == loop.key; });
      if (same == merged.loops.end()) {
        merged.loops.push_back(std::move(loop));
        origins.push_back(input);
        continue;
      }
      std::string& origin = origins[same - merged.loops.begin()];
      bool faster = loop.ms < same->ms;
      // Two runs that chose the same config only timed it differently: no conflict.
      if (loop.config != same->config) {
        ++conflicts;
        diags.report(diag::TuneMergeConflict, {}, loop.key.kernel, loop.line, loop.key.arguments, loop.key.device,
                     origin, tune::configArguments(same->config), same->ms, input, tune::configArguments(loop.config),
                     loop.ms, faster ? input : origin);
      }
      if (faster) {
        *same = std::move(loop);
        origin = input;
      }
    }
  }
  bool toStdout = output.empty() || output == "-";
  if (toStdout) {
    std::cout << merged.format() << std::flush;
  } else if (!writeFileAtomically(output, merged.format())) {
    diags.report(diag::CannotWriteFile, {}, output, std::strerror(errno));
    return kExitUsage;
  }
  std::cerr << fmt::format("hel tune --merge: {} entries from {} files, {} specialization{} ({} in conflict); written to {}\n",
                           entries, inputs.size(), merged.loops.size(), merged.loops.size() == 1 ? "" : "s", conflicts,
                           toStdout ? "stdout" : output);
  return kExitOk;
}

}  // namespace hel::cli
