@testable import DigitsCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import DigitsServer

/// The repository's root, found from this file's path (Tests/DigitsServerTests/ServerTests.swift).
private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// One server for the suite, on a free loopback port, serving the MLP with the MNIST test set.
private let running = Result { () throws -> (server: DigitServer, service: DigitService, test: LabeledImages) in
    let model = try ModelFile.read(from: repository.appendingPathComponent("models/mlp.model").path)
    let test = try MNIST.load(.test, from: repository.appendingPathComponent("data/mnist").path)
    let service = DigitService(model: model, modelPath: "models/mlp.model", test: test)
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
    // Long: the tests check answers, not speed, and share two cores with suites that train.
    request.timeoutInterval = 600
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = try #require(response as? HTTPURLResponse)
    return (http.statusCode, data, http.value(forHTTPHeaderField: "Content-Type"))
}

typealias RawResponse = (status: Int, headers: [String: String], body: Data)

/// Bytes sent as they are on one loopback connection, and the responses read back until `count` have come whole
/// (or the server closes): what URLSession's connection handling would hide, such as two requests on one connection.
/// The blocking socket calls run on a thread of their own, never holding one that the server's tasks need.
private func exchange(_ request: [UInt8], responses count: Int) async throws -> [RawResponse] {
    try await exchange(request, responses: count, port: running.get().server.waitUntilListening())
}

/// `exchange` with the server on `port`.
func exchange(_ request: [UInt8], responses count: Int, port: UInt16) async throws -> [RawResponse] {
    try await withCheckedThrowingContinuation { answer in
        Thread { answer.resume(with: Result { try exchangeBlocking(request, responses: count, port: port) }) }.start()
    }
}

private struct SocketFailure: Error, CustomStringConvertible {
    let description: String
}

private func exchangeBlocking(_ request: [UInt8], responses count: Int, port: UInt16) throws -> [RawResponse] {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw SocketFailure(description: "socket: errno \(errno)") }
    defer { close(socket) }
    // As long as `fetch` waits: the calls fail rather than hang, should the server stop reading or answering.
    var timeout = timeval(tv_sec: 600, tv_usec: 0)
    for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
        setsockopt(socket, SOL_SOCKET, option, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw SocketFailure(description: "connect: errno \(errno)") }
    var sent = 0
    while sent < request.count {
        let written = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written > 0 else {
            throw SocketFailure(description: "the server stopped taking the request after \(sent) of \(request.count) bytes")
        }
        sent += written
    }
    var received = Data()
    var answers: [RawResponse] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while answers.count < count {
        // A whole response at the front of what has come.
        if let end = received.range(of: Data("\r\n\r\n".utf8)) {
            let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { headers[parts[0].lowercased()] = parts[1] }
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            if received.count - end.upperBound >= length {
                let status = lines[0].split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                answers.append((status, headers, Data(received[end.upperBound..<end.upperBound + length])))
                received = Data(received[(end.upperBound + length)...])
                continue
            }
        }
        let read = recv(socket, &buffer, buffer.count, 0)
        if read <= 0 { break }
        received += buffer[..<read]
    }
    return answers
}

func json(_ data: Data) throws -> [String: Any] {
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
        for id in ["pad", "clear", "digit", "digits", "scores", "input28", "curve", "confusion", "gallery"] {
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
            // Each level the network computed, the last its output: the scores again.
            let levels = try #require((answer["digits"] as? [[String: Any]])?.first?["levels"] as? [[String: Any]])
            let network = try running.get().service.models[0].network
            #expect(levels.map { $0["name"] as? String } == network.levels(prepared.networkInput).map(\.name))
            #expect((levels.last?["values"] as? [Double])?.map(Float.init) == scores.map(Float.init))
        }
        #expect(right >= 19, "\(right) of 20 test digits read right through the API")
    }

    @Test(arguments: [
        ("empty body", Data(), 400, "not a PNG or JPEG picture: it holds no bytes (request body)"),
        ("text", Data("hello".utf8), 400, "not a PNG or JPEG picture (request body)"),
        ("truncated PNG", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]), 400, "not a readable PNG"),
        ("truncated JPEG", Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46]), 400, "not a readable JPEG"),
        ("an iPhone's HEIC photo", (try? Data(contentsOf: repository.appendingPathComponent(
            "Tests/DigitsCoreTests/Fixtures/other-formats/commas.heic"))) ?? Data(), 400,
         "a picture in HEIC, which digits does not read: save it as JPEG or PNG (request body)"),
    ])
    func badBodiesAreClientErrorsWithAMessage(name: String, body: Data, status: Int, message: String) async throws {
        let answer = try await fetch("/api/predict", method: "POST", body: body)
        #expect(answer.status == status, "\(name)")
        #expect((try json(answer.body)["error"] as? String)?.hasPrefix(message) == true, "\(name)")
    }

    /// A phone's photo of a 7 on tinted paper, stored on its side (turned a quarter clockwise) with EXIF
    /// orientation 8, as a phone held the other way up writes it.
    static let photo = Result { try [UInt8](Data(contentsOf: repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/jpeg/seven-exif8.jpg"))) }

    @Test func readsAJPEGPhotoTurnedUprightByItsEXIFOrientation() async throws {
        let photo = try Self.photo.get()
        let answer = try await fetch("/api/predict", method: "POST", body: Data(photo))
        #expect(answer.status == 200)
        #expect(try json(answer.body)["digit"] as? Int == 7)
        // Without its EXIF block (the APP1 segment right after the start-of-image marker) the photo is read as
        // stored, on its side, and is no 7.
        #expect(photo[2...3] == [0xFF, 0xE1])
        let sideways = Array(photo[..<2] + photo[(4 + Int(photo[4]) << 8 + Int(photo[5]))...])
        let answerSideways = try await fetch("/api/predict", method: "POST", body: Data(sideways))
        #expect(answerSideways.status == 200)
        #expect(try json(answerSideways.body)["digit"] as? Int != 7)
    }

    /// The API answers with the fields of `digits predict --json`, and each digit's 28×28.
    @Test func readsANumberDigitByDigit() async throws {
        let year = try Data(contentsOf: repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/numbers/2026.png"))
        let answer = try await fetch("/api/predict", method: "POST", body: year)
        #expect(answer.status == 200)
        let object = try json(answer.body)
        #expect(object["number"] as? String == "2026")
        let digits = try #require(object["digits"] as? [[String: Any]])
        #expect(digits.map { $0["digit"] as? Int } == [2, 0, 2, 6])
        #expect(digits.allSatisfy { ($0["box"] as? [Int])?.count == 4 && ($0["input28"] as? [Int])?.count == 784 })
        #expect(object["digit"] == nil && object["input28"] == nil)
        // Two lines, top to bottom.
        let lines = try Data(contentsOf: repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/numbers/lines.png"))
        let both = try json(try await fetch("/api/predict", method: "POST", body: lines).body)
        #expect(both["number"] as? String == "2026 371")
        #expect((both["digits"] as? [[String: Any]])?.map { $0["line"] as? Int } == [1, 1, 1, 1, 2, 2, 2])
        // A minus sign and a decimal point, each on the digit after it.
        let signs = try Data(contentsOf: repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/numbers/signs.png"))
        let signed = try json(try await fetch("/api/predict", method: "POST", body: signs).body)
        #expect(signed["number"] as? String == "-3.14")
        #expect((signed["digits"] as? [[String: Any]])?.map { $0["sign"] as? String } == ["-", ".", nil])
    }

    @Test func aJPEGDeclaringTooManyPixelsIs413FromItsHeader() async throws {
        var bomb = try Self.photo.get()
        let sof = try #require((0..<bomb.count - 9).first { bomb[$0] == 0xFF && bomb[$0 + 1] == 0xC0 })
        bomb.replaceSubrange(sof + 5..<sof + 9, with: [0xFD, 0xE8, 0xFD, 0xE8])  // 65,000 × 65,000
        let answer = try await fetch("/api/predict", method: "POST", body: Data(bomb))
        #expect(answer.status == 413)
        #expect((try json(answer.body)["error"] as? String)?.contains("65000×65000") == true)
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
        let big = try await fetch("/api/predict", method: "POST", body: Data(count: HTTPLimits().body + 1))
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

    /// Every body is read to its end, whatever the route and whether it is refused, so that the next request on the
    /// connection is read as itself.
    @Test(arguments: [
        ("/api/predict", HTTPLimits().body + 1, 413),
        ("/api/model", HTTPLimits().body + 1, 413),
        ("/api/model", 3 << 20, 405),
        ("/nothing-here", 3 << 20, 404),
    ])
    func everyBodyIsReadSoTheConnectionStaysInStep(path: String, size: Int, status: Int) async throws {
        let post = Array("POST \(path) HTTP/1.1\r\nHost: test\r\nContent-Length: \(size)\r\n\r\n".utf8)
        let get = Array("GET /api/model HTTP/1.1\r\nHost: test\r\n\r\n".utf8)
        let answers = try await exchange(post + [UInt8](repeating: 0, count: size) + get, responses: 2)
        try #require(answers.count == 2)
        #expect(answers[0].status == status && answers[0].headers["connection"] == nil)
        #expect(answers[1].status == 200)
        #expect(try json(answers[1].body)["layers"] as? [Int] == [784, 800, 10])
    }

    /// A body too large even to read and drop is refused at once, and the client is told to close the connection.
    @Test func anAbsurdContentLengthIsRefusedUnread() async throws {
        let post = "POST /api/predict HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000000000\r\n\r\n"
        let answers = try await exchange(Array(post.utf8), responses: 1)
        try #require(answers.count == 1)
        #expect(answers[0].status == 413 && answers[0].headers["connection"] == "close")
        #expect(try (json(answers[0].body)["error"] as? String)?.hasPrefix("request body over") == true)
    }

    @Test func unknownPathsAndMethods() async throws {
        #expect(try await fetch("/nothing-here").status == 404)
        #expect(try await fetch("/api/predict").status == 405)
        #expect(try await fetch("/api/model", method: "DELETE").status == 405)
        // A message repeats at most 100 characters of what the client sent.
        let long = try await fetch("/" + String(repeating: "x", count: 5_000))
        #expect(long.status == 404)
        #expect(try json(long.body)["error"] as? String == "no such page or API: /" + String(repeating: "x", count: 99) + "…")
    }

    @Test func modelDescribesItsTraining() async throws {
        let (status, body, _) = try await fetch("/api/model")
        #expect(status == 200)
        let model = try json(body)
        let record = try running.get().service.models[0].record
        #expect(model["layers"] as? [Int] == [784, 800, 10])
        #expect(model["architecture"] as? String == "[784, 800, 10]" && model["members"] == nil)
        // What the first layer looks for: the weights into its first 100 neurons, as 28 × 28 pictures.
        let kernels = try #require(model["kernels"] as? [String: Any])
        #expect(kernels["count"] as? Int == 100 && kernels["height"] as? Int == 28 && kernels["width"] as? Int == 28)
        let weights = try running.get().service.models[0].network.dense!.layers[0].rowMajorWeights
        #expect((kernels["values"] as? [Double])?.map(Float.init) == Array(weights[0..<100 * 784]))
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
        let scores = try running.get().service.models[0].network.scores(of: test)
        for miss in misses {
            let index = try #require(miss["index"] as? Int)
            #expect(miss["label"] as? Int == Int(test.labels[index]) && miss["predicted"] as? Int != miss["label"] as? Int)
            #expect(Data(base64Encoded: miss["pixels"] as? String ?? "") == Data(test.image(index)))
            #expect((miss["confidence"] as? Double).map(Float.init) == confidence(scores[index * 10..<(index + 1) * 10]))
        }
        // The surest first: no miss left out is surer than the last one shown.
        let shown = misses.compactMap { ($0["confidence"] as? Double).map(Float.init) }
        #expect(shown == shown.sorted(by: >))
        let wrong = (0..<test.count).filter { argmax(Array(scores[$0 * 10..<($0 + 1) * 10])) != Int(test.labels[$0]) }
        let left = Set(wrong).subtracting(misses.compactMap { $0["index"] as? Int })
        #expect(left.allSatisfy { confidence(scores[$0 * 10..<($0 + 1) * 10]) <= (shown.last ?? 0) })
        // Answers kept at each threshold of confidence, tallied here from the model's scores.
        let rows = try #require(report["byConfidence"] as? [[String: Any]])
        #expect(rows.map { ($0["threshold"] as? Double).map(Float.init) } == ConfidenceTable.thresholds)
        for row in rows {
            let threshold = Float(try #require(row["threshold"] as? Double))
            let kept = (0..<test.count).filter { confidence(scores[$0 * 10..<($0 + 1) * 10]) >= threshold }
            let right = kept.count { argmax(Array(scores[$0 * 10..<($0 + 1) * 10])) == Int(test.labels[$0]) }
            #expect(row["answered"] as? Int == kept.count && row["correct"] as? Int == right, "\(row)")
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
