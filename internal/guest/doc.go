// Package guest is the code that runs inside the instar sandbox: it reads
// one request (package abi) from standard input, serves it with the
// descriptors the host passed — fd 3 the image or backing file, read-only;
// fd 4 the new image, write-only — writes one result to standard output and
// returns.
//
// The instar executable becomes the guest when it is started with the
// argument Arg and the environment variable EnvVar=EnvValue, which the host
// sets when it boots the sandbox; both are required so that neither a stray
// argument nor an inherited variable turns a normal run into a guest.
//
// Serve is the same logic as an ordinary function, which the host calls
// in-process for --sandbox=none and tests call directly. The package opens
// no files and never trusts the bytes it parses: a panic while serving
// becomes a GUEST_FAULT result.
package guest
