# Every dependency comes from a Debian 12 package and is found here, nowhere else.
# scripts/deps.sh installs the packages.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
find_package(Boost 1.81 EXACT REQUIRED)     # header-only use: Asio, Beast
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
# Ed25519 signing and verification (libsodium-dev): about twice OpenSSL 3's
# rate per call here, which builds an EVP_PKEY and fetches a provider for
# every verification. OpenSSL stays for TLS, PEM keys and certificates.
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
if(MLCHAIN_TESTS)
  find_package(GTest REQUIRED)
endif()
