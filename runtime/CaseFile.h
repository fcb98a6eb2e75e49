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
  // Writes this case to `dir` (created if needed): case.toml, the `expected`
  // tensors under the `outputs` names, and each argument's .npy copied from
  // `inputsFrom` (the case it came from: what the kernel got, even if it wrote
  // into its inputs since). Throws RuntimeError naming the file it could not write.
  void save(const std::string& dir, const std::string& inputsFrom) const;
};

}  // namespace hel
