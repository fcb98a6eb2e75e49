// The tune file, FILE.hel.tune.toml beside the script (LANGUAGE.md §9): the config that
// `hel tune` chose for each device loop of each kernel, per specialization, with its time.
// `hel run`, `test` and `bench` read it for kernels called without a config. An entry
// holds only while the kernel's source text is unchanged (its hash is part of the key).
//
//   [[loop]]
//   kernel = "add_kernel"
//   source_hash = "9c1e5b2a7d04f3e1"       # of the kernel's text, `def` to its end
//   loop_line = 4                          # the device loop's line, counted from the def
//   arguments = "x=f32[8192], out=f32[8192]"
//   device = "NVIDIA H100 80GB HBM3"       # or "cpu"
//   block_sizes = [1024]                   # this loop's tile dims, in source order
//   block_size_indices = [0]               # their places in the kernel's block_sizes
//   num_warps = 4
//   pid_type = "flat"
//   l2_groupings = 1
//   loop_order = []                        # a permutation of the grid dims; [] is source order
//   ms = 0.0049                            # the chosen config's median time
//   baseline = "helion.Config(block_sizes=[32])"   # what the script's call ran with
//   baseline_ms = 0.0061
//   candidates = 34
//   failures = 1
//   line = 27                              # where the loop was when tuned, for people
//   hel_version = "0.1.0"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/tune/LoopConfig.h"

namespace hel::tune {

// What a tuned config is valid for.
struct LoopKey {
  std::string kernel;
  std::string sourceHash;
  int loopLine = 0;
  std::string arguments;
  std::string device;

  auto fields() const { return std::tie(kernel, sourceHash, loopLine, arguments, device); }
  bool operator==(const LoopKey& other) const { return fields() == other.fields(); }
};

struct TunedLoop {
  LoopKey key;
  LoopConfig config;
  std::vector<int64_t> blockSizeIndices;
  double ms = 0;
  std::string baseline;
  double baselineMs = 0;
  int candidates = 0;
  int failures = 0;
  int line = 0;
  std::string helVersion;
};

// 16 hex digits (64-bit FNV-1a) of a kernel's source text.
std::string sourceHash(std::string_view text);

struct TuneFileError {
  std::string message;
  int line = 0, column = 0;  // 1-based; 0 where the error has no place in the file
};

struct TuneFile {
  std::vector<TunedLoop> loops;

  // FILE.hel.tune.toml for FILE.hel.
  static std::string pathFor(const std::string& script);
  // Parses a tune file's text; nullopt, with what is wrong and where, for text that is
  // not TOML or not a tune file.
  static std::optional<TuneFile> parse(const std::string& text, TuneFileError* error);
  std::string format() const;

  const TunedLoop* find(const LoopKey& key) const;
  // Adds `loop`, replacing the entry with its key.
  void put(TunedLoop loop);
};

}  // namespace hel::tune
