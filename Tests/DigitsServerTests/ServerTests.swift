@testable import DigitsCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import DigitsServer

/// The repository's root, found from this file's path (Tests/DigitsServerTests/ServerTests.swift).
private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// One server for the suite, on a free loopback port, serving the shipped model with the MNIST test set.
private let running = Result { () throws -> (server: DigitServer, service: DigitService, test: LabeledImages) in
    let model = try ModelFile.read(from: repository.appendingPathComponent("models/best.model").path)
    let test = try MNIST.load(.test, from: repository.appendingPathComponent("data/mnist").path)
    let service = DigitService(model: model, modelPath: "models/best.model", test: test)
    let server = try DigitServer(service: service, host: "127.0.0.1", port: 0)
    Task { try await server.run() }
    return (server, service, test)
}

/// A real client on loopback: a request and its status, body and Content-Type.
private func fetch(_ path: String, method: String = "GET", body: Data? = nil) async throws
    -> (status: Int, body: Data, type: String?) {
    let port = try await running.get().server.waitUntilListening()
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.httpBody = body
    // The tests check answers, not speed: in a debug build beside the other suites, taking in a 10 MiB body has
    // passed URLSession's default 60 s.
    request.timeoutInterval = 600
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = try #require(response as? HTTPURLResponse)
    return (http.statusCode, data, http.value(forHTTPHeaderField: "Content-Type"))
}

private func json(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// A PNG of test digit `index`, enlarged 4×, dark ink on white, written and read back through libpng.
private func picture(ofTestDigit index: Int) throws -> Data {
    let digit = try running.get().test.image(index)
    var pixels = [UInt8](repeating: 255, count: 112 * 112)
    for y in 0..<112 {
        for x in 0..<112 { pixels[y * 112 + x] = 255 - digit[digit.startIndex + (y / 4) * 28 + x / 4] }
    }
    let path = NSTemporaryDirectory() + "digits-server-\(UUID().uuidString).png"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try PNGFile.writeGray(pixels, width: 112, height: 112, to: path)
    return try Data(contentsOf: URL(fileURLWithPath: path))
}

@Suite(.serialized) struct ServerTests {
    @Test func servesThePage() async throws {
        let (status, body, type) = try await fetch("/")
        #expect(status == 200 && type?.hasPrefix("text/html") == true)
        let page = String(decoding: body, as: UTF8.self)
        for id in ["pad", "clear", "digit", "scores", "input28", "curve", "confusion", "gallery"] {
            #expect(page.contains("id=\"\(id)\""), "the page has no #\(id)")
        }
        // Nothing is fetched from elsewhere.
        #expect(!page.contains("http://") && !page.contains("https://") || page.contains("http://www.w3.org/2000/svg"))
        #expect(!page.contains("<script src") && !page.contains("<link"))
    }

    @Test func predictsPicturesAsDigitsPredictDoes() async throws {
        let test = try running.get().test
        var right = 0
        for index in 0..<20 {
            let png = try picture(ofTestDigit: index)
            let (status, body, type) = try await fetch("/api/predict", method: "POST", body: png)
            #expect(status == 200 && type == "application/json")
            let answer = try json(body)
            let input = try #require(answer["input28"] as? [Int])
            let scores = try #require(answer["scores"] as? [Double])
            #expect(input.count == 784 && scores.count == 10)
            // Exactly the preparation of `digits predict`.
            let prepared = try DigitPreparation.prepare(PNGFile.decode(png).get())
            #expect(input == prepared.pixels.map(Int.init))
            let digit = try #require(answer["digit"] as? Int)
            #expect(digit == scores.indices.max { scores[$0] < scores[$1] })
            if digit == Int(test.labels[index]) { right += 1 }
        }
        #expect(right >= 19, "\(right) of 20 test digits read right through the API")
    }

    @Test(arguments: [
        ("empty body", Data(), 400, "not a readable PNG: it holds no bytes (request body)"),
        ("text", Data("hello".utf8), 400, "not a readable PNG"),
        ("truncated PNG", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]), 400, "not a readable PNG"),
    ])
    func badBodiesAreClientErrorsWithAMessage(name: String, body: Data, status: Int, message: String) async throws {
        let answer = try await fetch("/api/predict", method: "POST", body: body)
        #expect(answer.status == status, "\(name)")
        #expect((try json(answer.body)["error"] as? String)?.hasPrefix(message) == true, "\(name)")
    }

    @Test func aBlankPictureHasNoDigit() async throws {
        let path = NSTemporaryDirectory() + "digits-blank-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PNGFile.writeGray([UInt8](repeating: 250, count: 64 * 64), width: 64, height: 64, to: path)
        let answer = try await fetch("/api/predict", method: "POST", body: try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(answer.status == 422)
        #expect((try json(answer.body)["error"] as? String)?.hasPrefix("no digit found") == true)
    }

    @Test func oversizedBodiesAndPixelBombsAre413() async throws {
        let big = try await fetch("/api/predict", method: "POST", body: Data(count: DigitService.bodyLimit + 1))
        #expect(big.status == 413)
        // A real PNG whose IHDR (CRC made right) claims 100,000 × 100,000 pixels: refused from the header alone.
        var header = [UInt8](try picture(ofTestDigit: 0))
        header.replaceSubrange(16..<24, with: [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0])
        let crc = header[12..<29].withUnsafeBytes { crc32($0) }
        header.replaceSubrange(29..<33, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
        let bomb = try await fetch("/api/predict", method: "POST", body: Data(header))
        #expect(bomb.status == 413)
        #expect((try json(bomb.body)["error"] as? String)?.contains("100000") == true)
    }

    @Test func unknownPathsAndMethods() async throws {
        #expect(try await fetch("/nothing-here").status == 404)
        #expect(try await fetch("/api/predict").status == 405)
        #expect(try await fetch("/api/model", method: "DELETE").status == 405)
    }

    @Test func modelDescribesItsTraining() async throws {
        let (status, body, _) = try await fetch("/api/model")
        #expect(status == 200)
        let model = try json(body)
        let record = try running.get().service.model.record
        #expect(model["layers"] as? [Int] == [784, 800, 10])
        #expect((model["validationAccuracy"] as? [Double])?.count == record.epochsRun)
        #expect(model["bestEpoch"] as? Int == record.bestEpoch)
        #expect(abs((model["testAccuracy"] as? Double ?? 0) - (record.testAccuracy ?? -1)) < 1e-12)
        let settings = try #require(model["settings"] as? [String: Any])
        #expect(settings["hidden"] as? String == "relu" && settings["cost"] as? String == "cross-entropy")
        #expect(settings["seed"] as? Int == 1 && settings["starts"] as? Int == 1)
    }

    @Test func reportHasTheConfusionMatrixAndTheMisses() async throws {
        let (status, body, _) = try await fetch("/api/report")
        #expect(status == 200)
        let report = try json(body)
        let confusion = try #require(report["confusion"] as? [[Int]])
        #expect(confusion.count == 10 && confusion.joined().reduce(0, +) == 10_000)
        let correct = (0..<10).reduce(0) { $0 + confusion[$1][$1] }
        #expect(report["correct"] as? Int == correct && report["missCount"] as? Int == 10_000 - correct)
        let misses = try #require(report["misses"] as? [[String: Any]])
        #expect(misses.count == min(10_000 - correct, TestReport.missLimit))
        let test = try running.get().test
        for miss in misses {
            let index = try #require(miss["index"] as? Int)
            #expect(miss["label"] as? Int == Int(test.labels[index]) && miss["predicted"] as? Int != miss["label"] as? Int)
            #expect(Data(base64Encoded: miss["pixels"] as? String ?? "") == Data(test.image(index)))
        }
    }

    @Test func keepsAnsweringUnderABurstOfBadRequests() async throws {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<200 {
                group.addTask { try await fetch("/api/predict", method: "POST", body: Data("junk \(i)".utf8)).status }
            }
            for try await status in group { #expect(status == 400) }
        }
        let png = try picture(ofTestDigit: 0)
        #expect(try await fetch("/api/predict", method: "POST", body: png).status == 200)
    }
}
