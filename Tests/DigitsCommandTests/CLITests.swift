import DigitsCore
import Foundation
import Testing

/// The `digits` binary as a person runs it: exit statuses and what reaches standard output and error.
@Suite struct CLITests {
    /// The built `digits` executable, beside this test bundle.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("digits").path
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// How commands name the shipped committee that they use without --model, run from the clone.
    static let shippedCommittee = ["best", "best-seed2", "best-seed3", "deep", "deep-seed2", "deep-seed3", "mlp"]
        .map { "models/\($0).model" }.joined(separator: " + ")

    struct Run {
        let status: Int32
        let output: String
        let errors: String
    }

    static func digits(_ arguments: [String], input: Data? = nil, in folder: URL = repository,
                       environment: [String: String] = [:]) throws -> Run {
        try digits(as: binary, arguments, input: input, in: folder, environment: environment)
    }

    /// `digits(_:input:in:environment:)` for an async test: the process is waited on by a thread of its own, not by
    /// one of the few (one per core) that run every task of the test run. Tests that hold those threads for long
    /// starve the rest: a server test whose `run()` task could not start waited ten minutes for an answer.
    static func digits(_ arguments: [String], input: Data? = nil, in folder: URL = repository,
                       environment: [String: String] = [:]) async throws -> Run {
        try await offThePool { try digits(as: binary, arguments, input: input, in: folder, environment: environment) }
    }

    /// Runs blocking `work` on a thread of its own and waits for it without holding a thread of the task pool.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { answer in
            Thread { answer.resume(with: Result { try work() }) }.start()
        }
    }

    /// Runs `executable` (the digits binary, or a wrapper that runs it) with `arguments`, and `input` on its
    /// standard input when given, in `folder` (the repository's root unless told) with `environment` added.
    static func digits(as executable: String, _ arguments: [String], input: Data? = nil, in folder: URL = repository,
                       environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        // The person running the tests may have set digits' own variables; the tests say what they want.
        var inherited = ProcessInfo.processInfo.environment
        inherited["DIGITS_MODEL"] = nil
        inherited["DIGITS_DATA"] = nil
        process.environment = inherited.merging(environment) { $1 }
        let (out, err) = (Pipe(), Pipe())
        (process.standardOutput, process.standardError) = (out, err)
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            // From another thread, so that a large input cannot fill the pipe while this one waits on the output.
            Thread {
                try? stdin.fileHandleForWriting.write(contentsOf: input)
                try? stdin.fileHandleForWriting.close()
            }.start()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                   errors: String(decoding: errors, as: UTF8.self))
    }

    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "digits-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A dark 1 drawn on white: an 8-bit gray PNG, 40 × 48, with a vertical bar.
    static func writeOne(to path: String) throws {
        var rows = [UInt8]()
        for y in 0..<48 {
            rows.append(0)
            for x in 0..<40 { rows.append((17..<22).contains(x) && (6..<42).contains(y) ? 20 : 240) }
        }
        try Data(PNGBytes.gray(width: 40, height: 48, filteredRows: rows)).write(to: URL(fileURLWithPath: path))
    }

    @Test func predictReadsGoodFilesAndReportsBadOnesWithStatusOne() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writeOne(to: folder + "/one.png")
        try Data("not a picture at all".utf8).write(to: URL(fileURLWithPath: folder + "/garbage.png"))
        let run = try Self.digits(["predict", folder + "/one.png", folder + "/missing.png", folder + "/garbage.png"])
        #expect(run.status == 1)
        let lines = run.output.split(separator: "\n")
        // Which model answered, then one line per picture read.
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("model \(Self.shippedCommittee) (test accuracy ") == true)
        #expect(lines.last?.hasPrefix(folder + "/one.png: 1 (score ") == true && run.output.hasSuffix(")\n"))
        let errors = run.errors.split(separator: "\n")
        #expect(errors.count == 2)
        #expect(errors[0].hasPrefix("Error: ") && errors[0].hasSuffix("(\(folder)/missing.png)"))
        #expect(errors[1] == "Error: not a PNG or JPEG picture (\(folder)/garbage.png)")
    }

    /// A phone's photo of a 7, stored on its side with EXIF orientation 8 (see Fixtures/jpeg/README.md).
    static let photo = repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/jpeg/seven-exif8.jpg").path

    @Test func predictReadsEveryPictureOfAFolderByItsExtensionInAnyCase() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writeOne(to: folder + "/a.png")
        try Self.writeOne(to: folder + "/b.PNG")
        for name in ["c.JPG", "d.jpeg", "e.Jpeg"] { try FileManager.default.copyItem(atPath: Self.photo, toPath: folder + "/" + name) }
        // Not taken from a folder: files not named as pictures, whatever they hold.
        try FileManager.default.copyItem(atPath: Self.photo, toPath: folder + "/f.jpg.txt")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let run = try Self.digits(["predict", folder, "--json"])
        #expect(run.status == 0, "\(run.errors)")
        let objects = try run.output.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.map { $0["file"] as? String } == ["a.png", "b.PNG", "c.JPG", "d.jpeg", "e.Jpeg"].map { folder + "/" + $0 })
        #expect(objects.map { $0["digit"] as? Int } == [1, 1, 7, 7, 7])
    }

    /// A folder of photos from a phone: the JPEGs are read, and a HEIC photo among them is told of, by name, with
    /// status 1, not passed over; a file named .gif that holds a JPEG is read, as the format is the bytes'.
    @Test func predictTellsOfPicturesInAFolderThatItCannotRead() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: Self.photo, toPath: folder + "/a.jpg")
        try FileManager.default.copyItem(atPath: Self.repository.appendingPathComponent(
            "Tests/DigitsCoreTests/Fixtures/other-formats/commas.heic").path, toPath: folder + "/b.HEIC")
        try FileManager.default.copyItem(atPath: Self.photo, toPath: folder + "/c.gif")
        let run = try Self.digits(["predict", folder])
        #expect(run.status == 1)
        let lines = run.output.split(separator: "\n").dropFirst()
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains(": 7 (score ") }, "\(run.output)")
        #expect(run.errors == "Error: a picture in HEIC, which digits does not read: save it as JPEG or PNG (\(folder)/b.HEIC)\n")
    }

    @Test func predictReadsOnePictureFromStandardInput() throws {
        let photo = try Data(contentsOf: URL(fileURLWithPath: Self.photo))
        let run = try Self.digits(["predict", "-", "--json"], input: photo)
        #expect(run.status == 0, "\(run.errors)")
        let object = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        #expect(object?["file"] as? String == "-" && object?["digit"] as? Int == 7)

        let limited = try Self.digits(["predict", "-", "--max-pixels", "1000"], input: photo)
        #expect(limited.status == 1)
        #expect(limited.errors == "Error: image is 640×480 pixels, more than the limit of 1000 (raise it with --max-pixels) (standard input)\n")
        let text = try Self.digits(["predict", "-"], input: Data("hello".utf8))
        #expect(text.status == 1 && text.errors == "Error: not a PNG or JPEG picture (standard input)\n")
        let twice = try Self.digits(["predict", "-", "-"], input: photo)
        #expect(twice.status == 64 && twice.errors.contains("- (standard input) may be given once"))
    }

    /// Four MNIST test digits in a row (see Fixtures/numbers/README.md).
    static let year = repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/numbers/2026.png").path

    @Test func predictReadsANumberDigitByDigit() throws {
        let run = try Self.digits(["predict", Self.year, "--json"])
        #expect(run.status == 0, "\(run.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(object["number"] as? String == "2026")
        let digits = try #require(object["digits"] as? [[String: Any]])
        #expect(digits.map { $0["digit"] as? Int } == [2, 0, 2, 6])
        #expect(digits.map { $0["line"] as? Int } == [1, 1, 1, 1])
        #expect(digits.allSatisfy { ($0["scores"] as? [Double])?.count == 10 })
        // Boxes in the picture's pixels (424 × 160), left to right, not overlapping.
        let boxes = digits.compactMap { $0["box"] as? [Int] }
        #expect(boxes.count == 4 && boxes.allSatisfy { $0.count == 4 && $0[0] >= 0 && $0[0] + $0[2] <= 424 && $0[3] > 50 })
        for (a, b) in zip(boxes, boxes.dropFirst()) { #expect(a[0] + a[2] <= b[0], "\(boxes)") }
        // Several digits: no top-level digit.
        #expect(object["digit"] == nil && object["scores"] == nil)

        let text = try Self.digits(["predict", Self.year, "--top", "2"])
        let lines = text.output.split(separator: "\n")
        #expect(lines.count == 6 && lines[1].hasPrefix(Self.year + ": 2026 (scores "), "\(text.output)")
        #expect(lines[2].hasPrefix("  digit 1: 2 (score ") && lines[5].hasPrefix("  digit 4: 6 (score "))
    }

    /// Two lines, "2026" over "371" (see Fixtures/numbers/README.md).
    static let lines = repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/numbers/lines.png").path

    @Test func predictReadsLinesTopToBottom() throws {
        let run = try Self.digits(["predict", Self.lines, "--json"])
        #expect(run.status == 0, "\(run.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(object["number"] as? String == "2026 371")
        let digits = try #require(object["digits"] as? [[String: Any]])
        #expect(digits.map { $0["digit"] as? Int } == [2, 0, 2, 6, 3, 7, 1])
        #expect(digits.map { $0["line"] as? Int } == [1, 1, 1, 1, 2, 2, 2])
        let text = try Self.digits(["predict", Self.lines])
        #expect(text.output.split(separator: "\n").last?.hasPrefix(Self.lines + ": 2026 371 (scores ") == true, "\(text.output)")
    }

    /// "-3.14" (see Fixtures/numbers/README.md).
    static let signs = repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/numbers/signs.png").path

    @Test func predictReadsAMinusSignAndADecimalPoint() throws {
        let run = try Self.digits(["predict", Self.signs, "--json"])
        #expect(run.status == 0, "\(run.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(object["number"] as? String == "-3.14")
        let digits = try #require(object["digits"] as? [[String: Any]])
        #expect(digits.map { $0["digit"] as? Int } == [3, 1, 4])
        #expect(digits.map { $0["sign"] as? String } == ["-", ".", nil])
        let text = try Self.digits(["predict", Self.signs])
        #expect(text.output.split(separator: "\n").last?.hasPrefix(Self.signs + ": -3.14 (scores ") == true, "\(text.output)")
    }

    /// "2,026" (see Fixtures/numbers/README.md).
    static let commas = repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/numbers/commas.png").path

    @Test func predictReadsACommaAsWritten() throws {
        let run = try Self.digits(["predict", Self.commas, "--json"])
        #expect(run.status == 0, "\(run.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect(object["number"] as? String == "2,026")
        let digits = try #require(object["digits"] as? [[String: Any]])
        #expect(digits.map { $0["digit"] as? Int } == [2, 0, 2, 6])
        #expect(digits.map { $0["sign"] as? String } == [nil, ",", nil, nil])
    }

    @Test func singleReadsTheWholePictureAsOneDigit() throws {
        let run = try Self.digits(["predict", Self.year, "--single", "--json"])
        #expect(run.status == 0, "\(run.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let digit = try #require(object["digit"] as? Int)
        #expect(object["number"] as? String == String(digit) && (object["digits"] as? [Any])?.count == 1)
        #expect((object["scores"] as? [Double])?.count == 10)
    }

    @Test func predictSavesEachDigitAndTheBoxes() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writeOne(to: folder + "/one.png")
        let run = try Self.digits(["predict", Self.year, folder + "/one.png", "--save-preprocessed", folder + "/seen",
                                   "--boxes", folder + "/boxes", "--show"])
        #expect(run.status == 0, "\(run.errors)")
        let seen = try FileManager.default.contentsOfDirectory(atPath: folder + "/seen").sorted()
        #expect(seen == ["2026.1.28x28.png", "2026.2.28x28.png", "2026.3.28x28.png", "2026.4.28x28.png", "one.28x28.png"])
        let second = try PictureFile.read(from: folder + "/seen/2026.2.28x28.png")
        #expect(second.width == 28 && second.height == 28)
        let boxes = try PictureFile.read(from: folder + "/boxes/2026.boxes.png")
        #expect(boxes.width == 424 && boxes.height == 160)
        // Side by side: the 30 lines of each drawing share lines (the test's output is not a terminal: 160 columns).
        let drawn = run.output.split(separator: "\n").filter { $0.hasPrefix("+---") }
        #expect(drawn.contains { $0.components(separatedBy: "+ +").count == 2 }, "\(run.output)")
    }

    @Test func predictJSONIsOneObjectPerFile() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.writeOne(to: folder + "/a.png")
        try Data().write(to: URL(fileURLWithPath: folder + "/b.png"))
        let run = try Self.digits(["predict", folder, "--json"])
        #expect(run.status == 1 && run.errors.isEmpty)
        let objects = try run.output.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(objects.count == 2)
        #expect(objects[0]["file"] as? String == folder + "/a.png" && objects[0]["digit"] as? Int == 1)
        #expect(objects[0]["model"] as? String == Self.shippedCommittee)
        #expect((objects[0]["scores"] as? [Double])?.count == 10)
        #expect(objects[1]["file"] as? String == folder + "/b.png" && objects[1]["error"] is String)
    }

    @Test func serveOnAPortInUseIsOneLineAndStatusOne() throws {
        // Hold a loopback port, then ask digits to serve on it.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(holder, pointer, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, pointer, &length) == 0
            }
        }
        try #require(bound)
        let port = UInt16(bigEndian: address.sin_port)
        // The shipped committee, which takes minutes to measure itself on the test set in a debug build: the port
        // is tried first.
        let run = try Self.digits(["serve", "--port", "\(port)"])
        #expect(run.status == 1)
        #expect(run.errors.hasPrefix("Error: cannot serve on 127.0.0.1:\(port): ") && run.errors.contains("in use"), "\(run.errors)")
        #expect(run.errors.split(separator: "\n").count == 1)
    }

    @Test func misuseOfFlagsExitsWith64() throws {
        for arguments in [["train", "--epochs", "0"], ["train", "--eta", "nan"], ["predict"], ["evaluate", "--nope"]] {
            let run = try Self.digits(arguments)
            #expect(run.status == 64, "\(arguments): \(run.status) \(run.errors)")
        }
    }

    @Test func unwritableModelPathFailsBeforeTraining() throws {
        let run = try Self.digits(["train", "--model", "/nonexistent-folder/x.model"])
        #expect(run.status == 1)
        #expect(run.output.isEmpty)
        #expect(run.errors.contains("/nonexistent-folder/x.model"))
    }

    @Test func validationLargerThanTheTrainingSetIsMisuse() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try CrashSafetyTests.smallDataSet(in: folder, training: 200, test: 50)
        let run = try Self.digits(["train", "--data", folder, "--validation", "200", "--model", folder + "/m.model"])
        #expect(run.status == 64)
        #expect(run.errors.contains("--validation 200 leaves no training images"))
    }

    @Test func aModelThatDoesNotFitMNISTIsAFileError() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var generator = SplitMix64(seed: 1)
        let settings = TrainingSettings(sizes: [784, 5, 3], epochs: 1, batchSize: 1, learningRate: 1, seed: 1)
        let record = TrainingRecord(settings: settings, epochsRun: 1, bestEpoch: 1, trainingCount: 1, validationCount: 0,
                                    validationHistory: [0], learningRates: [1], testCorrect: 0, testTotal: 0,
                                    trainedAt: Date(), interrupted: false)
        try ModelFile.write(TrainedModel(network: Network(sizes: [784, 5, 3], generator: &generator), record: record),
                            to: folder + "/three.model")
        for command in ["evaluate", "predict"] {
            let arguments = [command, "--model", folder + "/three.model"] + (command == "predict" ? [folder] : [])
            let run = try Self.digits(arguments)
            #expect(run.status == 1, "\(command)")
            #expect(run.errors.hasPrefix("Error: invalid model file: it maps 784 inputs to 3 outputs"))
            #expect(run.errors.hasSuffix("(\(folder)/three.model)\n"))
        }
    }

    @Test(.enabled(if: geteuid() != 0 || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "as root, needs setpriv (util-linux) to drop privileges"))
    func unreadableFileIsOneLineNamingTheFile() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/locked.model"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
        // Root reads anything; run the binary as an unprivileged user then.
        let arguments = ["evaluate", "--model", path]
        let run = geteuid() == 0
            ? try Self.digits(as: "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Self.binary] + arguments)
            : try Self.digits(arguments)
        #expect(run.status == 1)
        #expect(run.errors == "Error: cannot read: Permission denied (\(path))\n")
    }

    /// `--mistakes` draws every image read wrong; `--json` lists them, and they are the images whose answer in
    /// `--scores` is not their label, the surest first; the text names the surest five.
    @Test func evaluateListsAndDrawsTheMistakes() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let arguments = ["evaluate", "--model", "models/mlp.model", "--mistakes", folder + "/mistakes.png"]
        let run = try Self.digits(arguments + ["--json", "--scores", folder + "/scores.csv"])
        #expect(run.status == 0, "\(run.errors)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        let mistakes = try #require(report["mistakes"] as? [[String: Any]])
        let (correct, total) = (report["correct"] as? Int ?? 0, report["total"] as? Int ?? 0)
        #expect(mistakes.count == total - correct && !mistakes.isEmpty)
        let rows = try String(contentsOfFile: folder + "/scores.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        let wrong = rows.filter { $0[1] != $0[2] }
        #expect(Set(mistakes.compactMap { $0["index"] as? Int }) == Set(wrong.map { Int($0[0])! }))
        for mistake in mistakes {
            let row = rows[mistake["index"] as? Int ?? 0]
            #expect(mistake["label"] as? Int == Int(row[1]) && mistake["answer"] as? Int == Int(row[2]))
        }
        let confidences = mistakes.compactMap { $0["confidence"] as? Double }
        #expect(confidences.count == mistakes.count && confidences == confidences.sorted(by: >))
        let sheet = try PictureFile.read(from: folder + "/mistakes.png")
        #expect(sheet.height == 12 + (mistakes.count + 11) / 12 * (84 + 28 + 12))

        let text = try Self.digits(arguments)
        let first = mistakes[0]
        #expect(text.output.contains("  #\(first["index"]!): \(first["label"]!) read as \(first["answer"]!), "), "\(text.output)")
    }

    @Test func corruptModelIsOneLineNamingTheFile() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: folder + "/bad.model"))
        let run = try Self.digits(["evaluate", "--model", folder + "/bad.model"])
        #expect(run.status == 1)
        #expect(run.errors == "Error: not a digits model file (\(folder)/bad.model)\n")
    }
}

/// Minimal PNG bytes, stored (uncompressed) deflate blocks: enough to hand libpng a real file from a test
/// that cannot import zlib.
enum PNGBytes {
    static func gray(width: Int, height: Int, filteredRows raw: [UInt8]) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.bigEndian, Array.init) }
        func crc(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            }
            return ~c
        }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be(UInt32(data.count)) + body + be(crc(body))
        }
        // zlib stream: header, stored blocks of up to 65,535 bytes, Adler-32.
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65_535, raw.count - offset)
            zlib += [offset + n == raw.count ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            zlib += raw[offset..<offset + n]
            offset += n
        } while offset < raw.count
        var (a, b): (UInt32, UInt32) = (1, 0)
        for byte in raw { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        zlib += be(b << 16 | a)
        let header = be(UInt32(width)) + be(UInt32(height)) + [8, 0, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
    }
}

/// What survives a crash or an interruption: the model file is replaced atomically or not at all.
/// Training runs on a small data set cut from MNIST, so that the (debug) binary finishes in a second or two.
@Suite(.serialized) struct CrashSafetyTests {
    /// Writes the first `training` training and `test` test images of MNIST as plain IDX files into `folder`.
    static func smallDataSet(in folder: String, training: Int = 3_000, test: Int = 500) throws {
        let mnist = CLITests.repository.appendingPathComponent("data/mnist").path
        for (part, count) in [(MNIST.Part.training, training), (.test, test)] {
            let data = try MNIST.load(part, from: mnist).subset(0..<count)
            func idx(_ magic: UInt32, _ dimensions: [Int], _ bytes: [UInt8]) -> Data {
                var out = Data(withUnsafeBytes(of: magic.bigEndian, Array.init))
                for d in dimensions { out += withUnsafeBytes(of: UInt32(d).bigEndian, Array.init) }
                return out + bytes
            }
            try idx(0x803, [count, 28, 28], Array(data.pixels)).write(to: URL(fileURLWithPath: folder + "/" + part.imagesFileName))
            try idx(0x801, [count], data.labels).write(to: URL(fileURLWithPath: folder + "/" + part.labelsFileName))
        }
    }

    static func startTraining(model: String, data: String, epochs: Int = 3, output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = ["train", "--model", model, "--data", data, "--epochs", "\(epochs)", "--validation", "500"]
        process.currentDirectoryURL = CLITests.repository
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func trainingOverAModelSaysWhatItReplaced() throws {
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.smallDataSet(in: folder)
        let arguments = ["train", "--model", folder + "/mine.model", "--data", folder, "--epochs", "1", "--validation", "500"]
        let first = try CLITests.digits(arguments)
        #expect(first.status == 0 && first.output.contains("saved \(folder)/mine.model (weights of epoch 1)\n"))
        let accuracy = try #require(try ModelFile.read(from: folder + "/mine.model").record.testAccuracy)
        let second = try CLITests.digits(arguments + ["--seed", "2"])
        #expect(second.status == 0)
        #expect(second.output.contains(", replacing a model saved "), "\(second.output)")
        #expect(second.output.contains(String(format: "with test accuracy %.2f%%", accuracy * 100)), "\(second.output)")
    }

    @Test func serveGoesOnWhenConnectionsOutnumberItsFileDescriptors() throws {
        // Under a limit of 128 open files, 400 connections at once: the server holds what it can (its cap stays
        // below the limit), leaves the rest in the kernel's queue, never exits, and answers once they have gone.
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.smallDataSet(in: folder, training: 10, test: 50)
        let model = CLITests.repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/nielsen-seed1-v1.model").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n 128 && exec \"$0\" serve --port 0 --model \"$1\" --data \"$2\"",
                             CLITests.binary, model, folder]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        defer { process.terminate() }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let port = try #require(line.split(separator: ":").last.flatMap { UInt16($0.prefix { $0.isNumber }) }, "\(line)")

        let held = (0..<400).map { _ in Self.loopbackSocket(port: port) }
        Thread.sleep(forTimeInterval: 2)
        #expect(process.isRunning, "the server exited holding \(held.count) connections")
        held.forEach { close($0) }
        let fd = Self.loopbackSocket(port: port)
        defer { close(fd) }
        let request = Array("GET /api/model HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        #expect(send(fd, request, request.count, 0) == request.count)
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).hasPrefix("HTTP/1.1 200 OK"))
        #expect(process.isRunning)
    }

    /// A loopback TCP connection to `port` (connected, or failed: -1).
    static func loopbackSocket(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 { close(fd); return -1 }
        return fd
    }

    @Test func aReadOnlyModelIsReplacedOnlyWithForce() throws {
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.smallDataSet(in: folder, training: 600, test: 100)
        let model = folder + "/kept.model"
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/nielsen-seed1-v1.model").path, toPath: model)
        chmod(model, 0o444)
        let before = try Data(contentsOf: URL(fileURLWithPath: model))
        let arguments = ["train", "--model", model, "--data", folder, "--epochs", "1", "--validation", "100"]
        let refused = try CLITests.digits(arguments)
        #expect(refused.status == 1 && refused.output.isEmpty, "refused before training: \(refused.output)")
        #expect(refused.errors == "Error: file is read-only, so it is left as it is; give --force to replace it (\(model))\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == before)
        let forced = try CLITests.digits(arguments + ["--force"])
        #expect(forced.status == 0, "\(forced.errors)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) != before)
        #expect(try FileManager.default.attributesOfItem(atPath: model)[.posixPermissions] as? Int == 0o444)
    }

    @Test func killedAtAnyMomentLeavesALoadableModel() throws {
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = folder + "/digits.model"
        try Self.smallDataSet(in: folder)
        try FileManager.default.copyItem(atPath: CLITests.repository.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/nielsen-seed1-v1.model").path, toPath: model)
        let original = try ModelFile.read(from: model)

        // How long a whole run takes here, then kills spread over it: while loading, training and saving.
        let clock = ContinuousClock()
        let full = try clock.measure {
            let run = try Self.startTraining(model: model, data: folder)
            run.waitUntilExit()
            #expect(run.terminationStatus == 0)
        }
        let trained = try ModelFile.read(from: model)
        #expect(trained != original)
        let seconds = Double(full.components.seconds) + Double(full.components.attoseconds) / 1e18
        for step in 1...12 {
            let run = try Self.startTraining(model: model, data: folder)
            Thread.sleep(forTimeInterval: seconds * Double(step) / 12)
            kill(run.processIdentifier, SIGKILL)
            run.waitUntilExit()
            // Whatever moment the kill hit, the file is a whole model: the one before or the one after.
            let survivor = try ModelFile.read(from: model)
            #expect(survivor.network.dense?.sizes == [784, 30, 10])
        }
    }

    @Test func ctrlCSavesTheBestEpochSoFarAndExits130() throws {
        let folder = try CLITests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = folder + "/digits.model"
        try Self.smallDataSet(in: folder)
        let output = Pipe()
        let process = try Self.startTraining(model: model, data: folder, epochs: 100, output: output)
        // Interrupt once the first epoch has been reported.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("epoch 1/100:") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("training went on for a minute after Ctrl-C")
        }
        seen += output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: seen, as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(text)")
        #expect(text.contains("interrupted after"))
        let saved = try ModelFile.read(from: model)
        #expect(saved.record.interrupted && saved.record.bestEpoch >= 1)
    }
}
