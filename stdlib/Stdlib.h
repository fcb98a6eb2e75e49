// The .hel sources compiled into the binary (stdlib/*.hel).
#pragma once

namespace hel::stdlib {

// The harness of LANGUAGE.md §8 (stdlib/harness.hel).
const char* harnessSource();

}  // namespace hel::stdlib
