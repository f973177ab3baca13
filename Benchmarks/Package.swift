// swift-tools-version: 6.1
// The benchmark suite lives in its own package so that building digits never builds package-benchmark.
// Run from this folder: swift package benchmark   (see the README's "Performance" section)
import PackageDescription

let package = Package(
    name: "DigitsBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "digits", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "DigitsBenchmarks",
            dependencies: [
                .product(name: "DigitsCore", package: "digits"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/DigitsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
