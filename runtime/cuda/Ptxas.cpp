#include "runtime/cuda/Ptxas.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <sstream>
#include <vector>

#include "support/CacheDir.h"
#include "support/PtxNotes.h"

extern char** environ;

namespace hel::cuda {
namespace {

// Runs `argv` with its output (both streams) in `outputPath`, or discarded where that is
// empty; true where it exits with status 0.
bool succeeds(const std::vector<std::string>& argv, const std::string& outputPath) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const char* output = outputPath.empty() ? "/dev/null" : outputPath.c_str();
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t child = 0;
  int spawned = posix_spawn(&child, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return false;
  int status = 0;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool executable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

// A fresh file name for a temporary with this suffix, in the system's temporary folder
// ($TMPDIR, else /tmp); empty where none can be made. The file exists (empty) until the
// caller removes it.
std::string temporaryFile(const std::string& suffix) {
  std::error_code error;
  std::filesystem::path folder = std::filesystem::temp_directory_path(error);
  if (error) return "";
  std::string pattern = (folder / ("hel-ptxas-XXXXXX" + suffix)).string();
  int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) return "";
  close(fd);
  return pattern;
}

std::string cubinPath(const std::string& cacheDirectory, uint64_t hash) {
  return fmt::format("{}/cubin/{:016x}.cubin", cacheDirectory, hash);
}

// A cached cubin starts with this line: the PTX's length and a second hash of the key,
// so that a collision of the file name's hash misses.
std::string cubinHeader(const std::string& key, size_t ptxBytes) {
  return fmt::format("hel cubin: ptx={} check={:016x}\n", ptxBytes, std::hash<std::string>{}(key));
}

}  // namespace

std::string ptxTarget(const std::string& ptx) {
  std::istringstream lines(ptx);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string directive, target;
    if (words >> directive >> target && directive == ".target") {
      if (size_t comma = target.find(','); comma != std::string::npos) target.resize(comma);
      return target;
    }
  }
  return "";
}

std::optional<Ptxas> Ptxas::at(const std::string& path) {
  if (!executable(path)) return std::nullopt;
  std::string output = temporaryFile(".txt");
  if (output.empty()) return std::nullopt;
  bool runs = succeeds({path, "--version"}, output);
  std::string text = readFile(output).value_or("");
  unlink(output.c_str());
  if (!runs) return std::nullopt;
  std::string version;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) version = line;
  return Ptxas(path, version);
}

const Ptxas* Ptxas::find() {
  static const std::optional<Ptxas> found = []() -> std::optional<Ptxas> {
    if (const char* chosen = std::getenv("HEL_PTXAS")) return *chosen ? at(chosen) : std::nullopt;
    std::vector<std::string> candidates;
    if (const char* path = std::getenv("PATH")) {
      std::istringstream folders(path);
      for (std::string folder; std::getline(folders, folder, ':');)
        if (!folder.empty()) candidates.push_back(folder + "/ptxas");
    }
    if (const char* home = std::getenv("CUDA_HOME"); home && *home) candidates.push_back(std::string(home) + "/bin/ptxas");
    candidates.push_back("/usr/local/cuda/bin/ptxas");
    for (const std::string& candidate : candidates)
      if (executable(candidate)) return at(candidate);
    return std::nullopt;
  }();
  return found ? &*found : nullptr;
}

std::optional<std::string> Ptxas::assemble(const std::string& ptx, const std::string& deviceArch,
                                           const std::string& cacheDirectory) const {
  std::string target = ptxTarget(ptx);
  if (target.empty()) return std::nullopt;
  if (target != deviceArch + "a") target = deviceArch;
  std::string key = fmt::format("{}\n{}\n{}\n{}", path_, version_, target, ptx);
  uint64_t hash = cacheHash(key);
  std::string header = cubinHeader(key, ptx.size());
  if (!cacheDirectory.empty())
    if (std::optional<std::string> cached = readCacheFile(cubinPath(cacheDirectory, hash));
        cached && cached->compare(0, header.size(), header) == 0)
      return cached->substr(header.size());
  std::string input = temporaryFile(".ptx"), output = temporaryFile(".cubin");
  std::optional<std::string> cubin;
  if (!input.empty() && !output.empty() && writeFileAtomically(input, ptx) &&
      succeeds({path_, "-arch=" + target, fmt::format("-O{}", ptxasOptimization(ptx)), "-o", output, input}, ""))
    cubin = readFile(output);
  if (!input.empty()) unlink(input.c_str());
  if (!output.empty()) unlink(output.c_str());
  if (cubin && cubin->empty()) cubin.reset();
  if (cubin && !cacheDirectory.empty()) writeCacheFile(cubinPath(cacheDirectory, hash), header + *cubin);
  return cubin;
}

}  // namespace hel::cuda
