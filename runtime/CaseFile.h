// Reference-data cases (LANGUAGE.md §9): a folder holding case.toml, one NAME.npy per
// kernel argument and the expected outputs.
//
//   spec = "x + 10"                 # what the reference computes (optional)
//   args = ["x"]                    # the arguments, in call order (required)
//   outputs = ["expected.npy"]      # the default
//   rtol = 1e-05                    # both or neither; without them assert_close's
//   atol = 1e-05                    # defaults for the dtype apply
//   [shapes]                        # optional checks of the loaded files, by
//   x = [8192]                      # argument name or output file stem
//   [dtypes]
//   x = "float32"
//
// Any missing or malformed file or field is an error that names the file (and field).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/Tensor.h"

namespace hel {

struct ReferenceCase {
  std::string dir;
  std::string spec;
  std::vector<std::string> args;
  std::vector<std::string> outputs;  // file names inside dir
  std::optional<double> rtol, atol;
  std::vector<Tensor> inputs;    // one per arg, in args order
  std::vector<Tensor> expected;  // one per output, in outputs order

  static ReferenceCase load(const std::string& dir, Device device = Device::cpu());
};

}  // namespace hel
