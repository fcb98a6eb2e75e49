// Assembling PTX with ptxas (runtime/cuda/Ptxas.h), with a stand-in ptxas: a shell script
// that records each run and writes the PTX it was given, tagged with the architecture
// and -O level, as the cubin.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/cuda/Ptxas.h"
#include "support/CacheDir.h"
#include "support/PtxNotes.h"

using namespace hel::cuda;
namespace fs = std::filesystem;

namespace {

const char* kPtx = "//\n.version 8.0\n.target sm_90a\n.address_size 64\n.visible .entry k()\n{\n  ret;\n}\n";

// A folder of its own for a test, removed at the end.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("hel-ptxas-test-" + std::to_string(getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() { fs::remove_all(dir); }

  // An executable script at dir/name with this body.
  std::string script(const std::string& name, const std::string& body) const {
    fs::path path = dir / name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    fs::permissions(path, fs::perms::owner_all);
    return path.string();
  }

  // A stand-in ptxas that logs each assembly to dir/runs and fails on them where `fails`.
  std::string fakePtxas(bool fails) const {
    std::string runs = (dir / "runs").string();
    return script(fails ? "failing-ptxas" : "ptxas",
                  "if [ \"$1\" = --version ]; then printf 'ptxas: stand-in\\nBuild test_1.0\\n'; exit 0; fi\n"
                  "echo run >> " + runs + "\n" + (fails ? "echo 'ptxas fatal: no' >&2; exit 255\n" : "") +
                  "arch=${1#-arch=}; level=$2; out=$4; in=$5\n"
                  "{ echo \"cubin for $arch $level\"; cat \"$in\"; } > \"$out\"\n");
  }

  int runs() const {
    std::ifstream in(dir / "runs");
    int count = 0;
    for (std::string line; std::getline(in, line);) ++count;
    return count;
  }
};

}  // namespace

TEST_CASE("the architecture of a PTX text is its .target's") {
  CHECK(ptxTarget(kPtx) == "sm_90a");
  CHECK(ptxTarget(".version 7.0\n.target sm_80, debug\n") == "sm_80");
  CHECK(ptxTarget(".version 7.0\n") == "");
}

TEST_CASE("the -O level a PTX text asks ptxas for is its note's, else 3") {
  CHECK(hel::ptxasOptimization(kPtx) == 3);
  CHECK(hel::ptxasOptimization(std::string("// hel: ptxas -O1 (why)\n") + kPtx) == 1);
  CHECK(hel::ptxasOptimization("// hel: ptxas -O") == 3);   // cut short
  CHECK(hel::ptxasOptimization("// hel: ptxas -Ox\n") == 3);
}

TEST_CASE("ptxas assembles PTX for the device or its architecture-specific target, cached by PTX") {
  Scratch scratch;
  std::optional<Ptxas> ptxas = Ptxas::at(scratch.fakePtxas(false));
  REQUIRE(ptxas);
  CHECK(ptxas->version() == "Build test_1.0");
  std::string cache = (scratch.dir / "cache").string();
  std::optional<std::string> cubin = ptxas->assemble(kPtx, "sm_90", cache);
  REQUIRE(cubin);
  CHECK(*cubin == std::string("cubin for sm_90a -O3\n") + kPtx);
  CHECK(scratch.runs() == 1);
  // Again: from the cache, without a run; another PTX runs again.
  CHECK(ptxas->assemble(kPtx, "sm_90", cache) == cubin);
  CHECK(scratch.runs() == 1);
  std::string other = std::string(kPtx) + "// other\n";
  CHECK(ptxas->assemble(other, "sm_90", cache) == std::string("cubin for sm_90a -O3\n") + other);
  CHECK(scratch.runs() == 2);
  // PTX for an older architecture is assembled for the device's (and cached apart).
  std::string ampere = ".version 7.0\n.target sm_80\n";
  CHECK(ptxas->assemble(ampere, "sm_90", cache) == "cubin for sm_90 -O3\n" + ampere);
  CHECK(ptxas->assemble(ampere, "sm_80", cache) == "cubin for sm_80 -O3\n" + ampere);
  CHECK(scratch.runs() == 4);
  // PTX that asks for another -O level (support/PtxNotes.h) is assembled at it.
  std::string atO1 = "// hel: ptxas -O1 (why)\n" + ampere;
  CHECK(ptxas->assemble(atO1, "sm_80", cache) == "cubin for sm_80 -O1\n" + atO1);
  // Without a cache folder every call runs ptxas.
  CHECK(ptxas->assemble(kPtx, "sm_90", "") == cubin);
  CHECK(scratch.runs() == 6);
  // A cache file whose header does not match (a hash collision, or a file cut short) is
  // not taken: it is assembled again and written anew.
  for (const auto& entry : fs::directory_iterator(fs::path(cache) / "cubin"))
    std::ofstream(entry.path()) << "hel cubin: ptx=1 check=0\nstale";
  CHECK(ptxas->assemble(kPtx, "sm_90", cache) == cubin);
  CHECK(scratch.runs() == 7);
}

TEST_CASE("where ptxas fails, or is not there, there is no cubin") {
  Scratch scratch;
  std::optional<Ptxas> failing = Ptxas::at(scratch.fakePtxas(true));
  REQUIRE(failing);
  CHECK_FALSE(failing->assemble(kPtx, "sm_90", (scratch.dir / "cache").string()));
  CHECK(scratch.runs() == 1);
  CHECK_FALSE(fs::exists(scratch.dir / "cache" / "cubin"));  // nothing cached
  // PTX without a .target is not given to ptxas.
  CHECK_FALSE(failing->assemble(".version 8.0\n", "sm_90", ""));
  CHECK(scratch.runs() == 1);
  CHECK_FALSE(Ptxas::at((scratch.dir / "no-such-ptxas").string()));
  CHECK_FALSE(Ptxas::at(scratch.script("broken-ptxas", "exit 1\n")));
}
