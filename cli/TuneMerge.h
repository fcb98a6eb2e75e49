// `hel tune --merge A.toml B.toml ... [-o OUT]`: combines the tune files of several
// `hel tune` runs (shards of one sweep, `--shard I/N`, on other machines) into one.
#pragma once

#include <string>
#include <vector>

namespace hel::cli {

// Writes the entries of every input to `output` (stdout where empty or "-"); where two
// inputs hold the same specialization with different configs, keeps the faster and warns.
// Returns the exit status.
int mergeTuneFiles(const std::vector<std::string>& inputs, const std::string& output);

}  // namespace hel::cli
