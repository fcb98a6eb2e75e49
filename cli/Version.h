#pragma once

#include <string>

namespace hel::cli {

// `hel --version`: hel's version and what it was built with.
std::string versionText();

}  // namespace hel::cli
