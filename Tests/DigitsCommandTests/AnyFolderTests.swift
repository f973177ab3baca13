import DigitsCore
import Foundation
import Testing

/// digits started from a folder outside its clone, as a person runs a command-line tool: without flags it finds
/// the shipped models and the MNIST files of the clone it was built in (see Sources/digits/Home.swift).
@Suite struct AnyFolderTests {
    static let shippedModels = ["best.model", "best-seed2.model", "best-seed3.model", "deep.model", "deep-seed2.model",
                                "deep-seed3.model", "mlp.model"].map {
        CLITests.repository.appendingPathComponent("models/" + $0).path
    }
    static let shippedModel = shippedModels[0]
    /// The committee's name, as commands print it.
    static let shippedCommittee = shippedModels.joined(separator: " + ")
    static let mnist = CLITests.repository.appendingPathComponent("data/mnist").path

    /// A new folder outside the clone, as the URL `Process` starts in.
    static func elsewhere() throws -> URL {
        URL(fileURLWithPath: try CLITests.temporaryFolder())
    }

    static func object(_ line: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
    }

    @Test func predictAndEvaluateUseTheShippedCommitteeFromAnotherFolder() async throws {
        let folder = try Self.elsewhere()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CLITests.writeOne(to: folder.path + "/one.png")

        let predicted = try await CLITests.digits(["predict", "--json", "one.png"], in: folder)
        #expect(predicted.status == 0, "\(predicted.errors)")
        let prediction = try Self.object(predicted.output)
        #expect(prediction["model"] as? String == Self.shippedCommittee)
        #expect(prediction["number"] as? String == "1")
        // The text header names the models by their full paths: they are not in the current folder.
        let text = try await CLITests.digits(["predict", "one.png"], in: folder)
        let shipped = try Self.shippedModels.map { try ModelFile.read(from: $0) }
        let accuracies = shipped.map { String(format: "%.2f%%", 100 * ($0.record.testAccuracy ?? 0)) }
        #expect(text.output.hasPrefix("model \(Self.shippedCommittee) (test accuracy \(accuracies.joined(separator: ", ")))\n"),
                "\(text.output)")

        // The shipped model on a small test set made here (the debug build's convolutions read the whole test set
        // slowly); the default data set is what --help names.
        try FileManager.default.createDirectory(atPath: folder.path + "/small", withIntermediateDirectories: true)
        try CrashSafetyTests.smallDataSet(in: folder.path + "/small", training: 10, test: 200)
        let evaluated = try await CLITests.digits(["evaluate", "--json", "--data", "small"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.errors)")
        let evaluation = try Self.object(evaluated.output)
        #expect(evaluation["model"] as? String == Self.shippedCommittee)
        let small = try MNIST.load(.test, from: folder.path + "/small")
        let committee = Committee(shipped.map(\.network))
        #expect(evaluation["correct"] as? Int == committee.correctCount(on: small) && evaluation["total"] as? Int == 200)

        // --help says what the defaults resolve to here.
        for command in ["predict", "evaluate"] {
            let help = try await CLITests.digits([command, "--help"], in: folder)
            let flat = help.output.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: "")
            #expect(Self.shippedModels.allSatisfy { flat.contains($0) }, "\(command)")
            if command == "evaluate" { #expect(flat.contains(Self.mnist)) }
        }
    }

    @Test func serveUsesTheShippedCommitteeFromAnotherFolder() async throws {
        let folder = try Self.elsewhere()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        // The report view's test set made here, small: the debug build's convolutions read the whole set slowly.
        try FileManager.default.createDirectory(atPath: folder.path + "/small", withIntermediateDirectories: true)
        try CrashSafetyTests.smallDataSet(in: folder.path + "/small", training: 10, test: 100)
        process.arguments = ["serve", "--port", "0", "--data", "small"]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["DIGITS_MODEL"] = nil
        environment["DIGITS_DATA"] = nil
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        // The first line comes once the report is made: a minute or more for the debug build.
        let line = try await CLITests.offThePool { String(decoding: out.fileHandleForReading.availableData, as: UTF8.self) }
        #expect(line.hasPrefix("serving \(Self.shippedCommittee) (test accuracy "), "\(line)")
        let port = try #require(line.split(separator: ":").last.flatMap { UInt16($0.prefix { $0.isNumber }) }, "\(line)")
        let response = try await CLITests.offThePool { Self.get("/api/model", port: port) }
        let parts = response.components(separatedBy: "\r\n\r\n")
        try #require(parts.count >= 2 && parts[0].hasPrefix("HTTP/1.1 200"), "\(response.prefix(200))")
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        let model = try Self.object(body)
        #expect(model["path"] as? String == Self.shippedModel, "\(body)")
        let members = try #require(model["members"] as? [[String: Any]], "\(body)")
        #expect(members.map { $0["path"] as? String } == Self.shippedModels)
    }

    @Test func environmentVariablesNameTheModelAndTheData() async throws {
        let folder = try Self.elsewhere()
        defer { try? FileManager.default.removeItem(at: folder) }
        try CLITests.writeOne(to: folder.path + "/one.png")
        let fixture = CLITests.repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/nielsen-seed1-v1.model").path
        let predicted = try await CLITests.digits(["predict", "--json", "one.png"], in: folder,
                                            environment: ["DIGITS_MODEL": fixture])
        #expect(try Self.object(predicted.output)["model"] as? String == fixture)
        // A flag still wins over the variable.
        let flagged = try await CLITests.digits(["predict", "--json", "--model", Self.shippedModel, "one.png"], in: folder,
                                          environment: ["DIGITS_MODEL": fixture])
        #expect(try Self.object(flagged.output)["model"] as? String == Self.shippedModel)

        try FileManager.default.createDirectory(atPath: folder.path + "/small", withIntermediateDirectories: true)
        try CrashSafetyTests.smallDataSet(in: folder.path + "/small", training: 200, test: 100)
        let evaluated = try await CLITests.digits(["evaluate", "--json"], in: folder,
                                            environment: ["DIGITS_MODEL": fixture, "DIGITS_DATA": "small"])
        #expect(evaluated.status == 0, "\(evaluated.errors)")
        let evaluation = try Self.object(evaluated.output)
        #expect(evaluation["data"] as? String == "small" && evaluation["total"] as? Int == 100)

        let missing = try await CLITests.digits(["evaluate"], in: folder, environment: ["DIGITS_DATA": "nowhere"])
        #expect(missing.status == 1)
        #expect(missing.errors == "Error: does not exist (nowhere)\n", "\(missing.errors)")
    }

    @Test func trainSavesIntoTheCurrentFolder() async throws {
        let folder = try Self.elsewhere()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(atPath: folder.path + "/small", withIntermediateDirectories: true)
        try CrashSafetyTests.smallDataSet(in: folder.path + "/small", training: 300, test: 100)
        let trained = try await CLITests.digits(["train", "--epochs", "1", "--validation", "100"], in: folder,
                                          environment: ["DIGITS_DATA": "small"])
        #expect(trained.status == 0, "\(trained.errors)")
        #expect(trained.output.contains("saved models/digits.model (weights of epoch 1)"), "\(trained.output)")
        let model = try ModelFile.read(from: folder.path + "/models/digits.model")
        #expect(model.record.trainingCount == 200)
    }

    /// What a GET on loopback gets back, head and body ("" when it cannot connect). Blocking, and without
    /// expectations: it runs on a thread of its own, where a test's expectations cannot be recorded.
    static func get(_ path: String, port: UInt16) -> String {
        let fd = CrashSafetyTests.loopbackSocket(port: port)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { return "" }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response += buffer.prefix(count)
        }
        return String(decoding: response, as: UTF8.self)
    }
}
