// Running scripts: `hel run`, `hel test` and `hel check` share this driver.
#pragma once

#include <string>

#include "runtime/Device.h"

namespace hel::cli {

struct ScriptOptions {
  Device device = Device::cpu();
  std::string autotune = "none";
};

struct ScriptResult {
  int status = 0;
  int checksPassed = 0;
  int checksFailed = 0;
};

ScriptResult runScript(const std::string& path, const ScriptOptions& options);

}  // namespace hel::cli
