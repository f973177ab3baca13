// swift-tools-version: 6.0
import PackageDescription

// digits is built where it runs (`swift run`), so its kernels may use every vector instruction of this CPU
// (AVX2 and more on current x86-64). Such a binary copied to an older CPU refuses to start, naming what it lacks
// (Sources/CNativeFeatures). Two builds are for any x86-64 instead:
// - DIGITS_PORTABLE=1 in the environment (`scripts/install --portable`);
// - digits as another package's versioned dependency, which SwiftPM builds from .build/checkouts (or a registry's
//   download) and where it refuses unsafe flags such as -target-cpu.
let builtAsDependency = ["/.build/checkouts/", "/.build/registry/downloads/"]
    .contains { Context.packageDirectory.contains($0) }
let portable = Context.environment["DIGITS_PORTABLE"].map { !$0.isEmpty && $0 != "0" } ?? false
// Without -target-cpu, x86-64 code may not assume FMA instructions, so DIGITS_NO_FMA has the kernels multiply and
// add apart (Sources/DigitsCore/Network/MultiplyAdd.swift) rather than call a software fma.
#if arch(x86_64)
let native = !portable && !builtAsDependency
let vectorSettings: [SwiftSetting] = native ? [.unsafeFlags(["-target-cpu", "native"])] : [.define("DIGITS_NO_FMA")]
#else
let native = false
let vectorSettings: [SwiftSetting] = []
#endif
let nativeCSettings: [CSetting] = native ? [.unsafeFlags(["-march=native"])] : []

let package = Package(
    name: "digits",
    products: [
        .executable(name: "digits", targets: ["digits"]),
        .library(name: "DigitsCore", targets: ["DigitsCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: System libraries (C behind one door each)
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),

        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]
        ),
        .systemLibrary(
            name: "CTurboJPEG",
            pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]
        ),
        // A header-only module: the one C builtin the training loop needs (see its header).
        .systemLibrary(
            name: "CPrefetch"
        ),

        // The instruction sets the build above may use, as data for the executable's check (see its file).
        .target(
            name: "CNativeFeatures",
            cSettings: nativeCSettings
        ),

        // MARK: Library: all logic
        .target(
            name: "DigitsCore",
            dependencies: ["CZlib", "CPNG", "CTurboJPEG", "CPrefetch"],
            swiftSettings: vectorSettings
        ),

        // MARK: Web face: the page and JSON API of `digits serve`
        // Its HTTP/1.1 server is its own (HTTP/), built for hostile clients: see HTTPServer.swift.
        .target(
            name: "DigitsServer",
            dependencies: ["DigitsCore"]
        ),

        // MARK: Executable: flags in, one library call, output out
        .executableTarget(
            name: "digits",
            dependencies: [
                "DigitsCore",
                "DigitsServer",
                "CNativeFeatures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests
        .testTarget(
            name: "DigitsCoreTests",
            dependencies: ["DigitsCore", "CZlib", "CTurboJPEG"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "DigitsServerTests",
            dependencies: ["DigitsServer", "DigitsCore"]
        ),
        .testTarget(
            name: "DigitsCommandTests",
            dependencies: ["digits", "DigitsCore"]
        ),
    ]
)
