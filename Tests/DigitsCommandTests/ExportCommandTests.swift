import DigitsCore
import Foundation
import Testing

/// `digits export` and `digits import` as a person runs them.
@Suite struct ExportCommandTests {
    static let nielsen = CLITests.repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/nielsen-seed1-v1.model").path

    @Test func exportsEachFormatAndImportsNetwork2Back() async throws {
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for format in ["onnx", "safetensors", "network2"] {
            let run = try await CLITests.digits(["export", "--model", Self.nielsen, "--format", format, "--output", "\(folder)/n.\(format)"])
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.hasPrefix("wrote \(folder)/n.\(format): \(Self.nielsen) ([784, 30, 10]) as \(format), "))
        }
        let imported = try await CLITests.digits(["import", "\(folder)/n.network2", "--model", "\(folder)/imported.model"])
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.output == """
            imported \(folder)/n.network2: [784, 30, 10] sigmoid neurons, quadratic cost
            test accuracy: 95.12% (9,512/10,000)
            saved \(folder)/imported.model

            """)
        // The same network, bit for bit.
        #expect(try ModelFile.read(from: "\(folder)/imported.model").network == (try ModelFile.read(from: Self.nielsen)).network)
    }

    @Test func aFormatThatCannotHoldTheModelIsMisuse() async throws {
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try await CLITests.digits(["export", "--format", "network2", "--output", "\(folder)/best.json"])
        #expect(run.status == 64)
        #expect(run.errors == "Error: cannot export models/best.model as network2: network2.py's networks have dense "
            + "layers only\n")
        let mlp = try await CLITests.digits(["export", "--model", "models/mlp.model", "--format", "network2", "--output",
                                             "\(folder)/mlp.json"])
        #expect(mlp.status == 64)
        #expect(mlp.errors == "Error: cannot export models/mlp.model as network2: network2.py's networks have sigmoid "
            + "neurons only, and layer 1 of this one is relu\n")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/best.json"))
        let unknown = try await CLITests.digits(["export", "--format", "pickle", "--output", "\(folder)/best.pkl"])
        #expect(unknown.status == 64)
    }

    @Test func aBrokenNetwork2FileIsOneLineAndNoModel() async throws {
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data("{\"sizes\": [784, 30, 10], \"weights\": [[]], \"biases\": [[]], \"cost\": \"QuadraticCost\"}".utf8)
            .write(to: URL(fileURLWithPath: "\(folder)/bad.json"))
        let run = try await CLITests.digits(["import", "\(folder)/bad.json", "--model", "\(folder)/bad.model"])
        #expect(run.status == 1)
        #expect(run.errors == "Error: not a network2.py network: \"weights\" holds 1 matrices; the sizes make 2 layers "
            + "(\(folder)/bad.json)\n")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/bad.model"))
    }
}
