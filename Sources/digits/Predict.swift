import ArgumentParser
import DigitsCore
import Foundation

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read handwritten numbers and digits from PNG and JPEG pictures.",
        discussion: """
            Every digit in a picture is read, left to right: a year, a postcode, a meter reading; numbers \
            written one under another are read line by line, top to bottom, a space between the lines. A \
            decimal point, a minus sign, hyphens and commas between digits are read too, as written ("-3.14", \
            "2026-12-07", "1,000"). Its \
            marks are grouped into digits (the strokes of one digit need not touch; specks, a full stop, ruled lines, a \
            form's boxes and the paper's edge are left out), digits that touch are cut where the network reads \
            the pieces most surely, and \
            each digit is prepared the way MNIST's digits were (scaled into a 20×20 box and centred by mass in \
            28×28) and given to the network. A picture with more than \(NumberReading.markLimit) marks is not a \
            number. --single reads the whole picture as one digit.

            Any PNG or JPEG works, told apart by its content, not its name: drawn, scanned or photographed, dark \
            on light or light on dark, transparent or not; a photo is turned upright by its EXIF orientation \
            first. A folder stands for every .png, .jpg and .jpeg file in it (and every .heic, .webp, .gif and \
            such, to be told that they are in a format digits does not read), and - for one picture read from \
            standard input. A file that cannot be read is reported and the others go on; the exit status is \
            then 1.
            """
    )

    @Argument(help: ArgumentHelp("PNG or JPEG files, folders of them, or - for standard input.", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("""
        The model to use (`digits train` saves models/digits.model); several --model flags read as a committee, \
        their scores averaged. Default: \(Home.modelsDefault).
        """, valueName: "file"))
    var model: [String] = []

    @Flag(help: """
        Print one JSON object per file and line: {"file", "model", "number", "digits": [{"digit", "scores", \
        "box": [x, y, width, height], "line", "sign"}, ...]}, with "digit" and "scores" also at the top when one \
        digit was read; or {"file", "error"}. "number" holds the lines' digits and signs, a space between lines; \
        "line" counts from 1 at the top; "sign", where there is one, is the sign written just before the digit, \
        ".", "-" or ",".
        """)
    var json = false

    @Flag(help: "Read the whole picture as one digit.")
    var single = false

    @Flag(help: "Draw the 28×28 images the network saw, side by side.")
    var show = false

    @Option(help: "How many of the best-scoring answers to print for each digit.")
    var top = 1

    @Option(help: ArgumentHelp("""
        Save the 28×28 images the network saw as PNGs in this folder: NAME.28x28.png for one digit, \
        NAME.1.28x28.png, NAME.2.28x28.png, … for a number.
        """, valueName: "folder"))
    var savePreprocessed: String?

    @Option(help: ArgumentHelp("Save each picture with its digits' boxes and readings drawn on it, as NAME.boxes.png in this folder.",
                               valueName: "folder"))
    var boxes: String?

    @Option(help: "Refuse pictures with more pixels than this.")
    var maxPixels = PictureFile.defaultPixelLimit

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one PNG or JPEG file or folder, or -") }
        guard files.count(where: { $0 == Self.standardInput }) <= 1 else {
            throw ValidationError("- (standard input) may be given once")
        }
        guard (1...10).contains(top) else { throw ValidationError("--top must be 1 to 10, not \(top)") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive, not \(maxPixels)") }
    }

    func run() throws {
        let models = try Models(model)
        let network = models.classifier
        if !json {
            let accuracies = models.models.map { $0.record.testAccuracy.map(percent) ?? "-" }
            print("model \(models.name)" + (accuracies == ["-"] ? "" : " (test accuracy \(accuracies.joined(separator: ", ")))"))
        }
        for folder in [savePreprocessed, boxes].compactMap(\.self) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        var failed = false
        let entries = expand(files)
        for first in stride(from: 0, to: entries.count, by: 2) {
            // Two pictures at a time: the second is read on another core while this thread reads the first, and
            // both are reported in order by this thread (the files a report writes may share a name with another's).
            let second = first + 1 < entries.count ? Background { [self] in read(entries[first + 1], with: network) } : nil
            for (path, outcome) in [read(entries[first], with: network)] + (second.map { [$0.result()] } ?? []) {
                do {
                    try report(path, try outcome.get(), model: models.name)
                } catch {
                    report(file: path, error: "\(error)")
                    failed = true
                }
            }
        }
        if failed { throw ExitCode.failure }
    }

    /// A picture and the digits read in it.
    private struct Picture: Sendable {
        let image: GrayImage
        let readings: [DigitReading]
    }

    /// The picture an argument names, read, or why it could not be: with the path its report names.
    private func read(_ entry: Result<String, FileError>, with network: any Classifier) -> (String, Result<Picture, any Error>) {
        switch entry {
        case .failure(let error): (error.path, .failure(error))
        case .success(let path): (path, Result { try read(path, with: network) })
        }
    }

    private func read(_ path: String, with network: any Classifier) throws -> Picture {
        let image = path == Self.standardInput
            ? try PictureFile.read(from: .standardInput, name: PictureFile.standardInputName, pixelLimit: maxPixels,
                                   minimumSide: DigitPreparation.decodingSide)
            : try PictureFile.read(from: path, pixelLimit: maxPixels, minimumSide: DigitPreparation.decodingSide)
        let readings: [DigitReading]
        do {
            readings = single
                ? [DigitReading(prepared: try DigitPreparation.prepare(image), network: network)]
                : try NumberReading.read(image, score: network.scorer())
        } catch {
            throw PathError(path: path, message: error.description)
        }
        return Picture(image: image, readings: readings)
    }

    /// What was read in a picture: printed, and saved where the options say.
    private func report(_ path: String, _ picture: Picture, model: String) throws {
        let (image, readings) = (picture.image, picture.readings)
        let stem = path == Self.standardInput
            ? "stdin" : URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        if let folder = savePreprocessed {
            for (i, reading) in readings.enumerated() {
                let name = stem + (readings.count == 1 ? "" : ".\(i + 1)") + ".28x28.png"
                try PNGFile.writeGray(reading.prepared.pixels, width: DigitPreparation.side,
                                      height: DigitPreparation.side, to: folder + "/" + name)
            }
        }
        if let folder = boxes {
            try BoxDrawing.write(image, readings: readings, to: folder + "/" + stem + ".boxes.png")
        }
        let number = NumberReading.text(of: readings)
        if json {
            printJSON(PredictionLine(file: path, model: model, readings: readings))
        } else if readings.count == 1 && readings[0].sign.isEmpty {
            print("\(path): " + ranked(readings[0]))
        } else {
            let scores = readings.map { String(format: "%.3f", $0.scores[$0.digit]) }
            print("\(path): \(number) (scores " + scores.joined(separator: ", ") + ")")
            if top > 1 {
                for (i, reading) in readings.enumerated() { print("  digit \(i + 1): " + ranked(reading)) }
            }
        }
        if show { print(drawing(of: readings.map(\.prepared.pixels), columns: terminalColumns())) }
    }

    /// "7 (score 0.981)", or the best `top` answers so, separated by commas.
    private func ranked(_ reading: DigitReading) -> String {
        let scores = reading.scores
        return scores.indices.sorted { scores[$0] > scores[$1] }.prefix(top)
            .map { "\($0) (score \(String(format: "%.3f", scores[$0])))" }.joined(separator: ", ")
    }

    private func report(file: String, error: String) {
        if json {
            printJSON(ErrorLine(file: file, error: error))
        } else {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
        }
    }

    /// The argument that stands for standard input.
    static let standardInput = "-"

    /// Files as given, folders as the pictures in them (by extension, sorted), or an error for a path that is
    /// neither; `-` stays itself.
    private func expand(_ arguments: [String]) -> [Result<String, FileError>] {
        arguments.flatMap { argument -> [Result<String, FileError>] in
            if argument == Self.standardInput { return [.success(argument)] }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                return [.failure(FileError(path: argument, problem: .missing))]
            }
            guard isDirectory.boolValue else { return [.success(argument)] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
            let pictures = names.filter(PictureFile.hasPictureExtension).sorted()
            guard !pictures.isEmpty else { return [.failure(FileError(path: argument, problem: .noPictureInFolder))] }
            let folder = argument.hasSuffix("/") ? argument : argument + "/"
            return pictures.map { .success(folder + $0) }
        }
    }
}

/// 28×28 images as text, two characters per pixel, darker to lighter ink, side by side in rows as wide as
/// `columns` allows (one image per row at least).
func drawing(of images: [[UInt8]], columns: Int) -> String {
    let shades: [Character] = [" ", "░", "▒", "▓", "█"]
    let side = DigitPreparation.side
    let border = "+" + String(repeating: "-", count: 2 * side) + "+"
    let drawn = images.map { pixels in
        [border] + (0..<side).map { y in
            "|" + String((0..<side).flatMap { x -> [Character] in
                let shade = shades[(Int(pixels[y * side + x]) * (shades.count - 1) + 127) / 255]
                return [shade, shade]
            }) + "|"
        } + [border]
    }
    let perRow = max(1, (columns + 1) / (border.count + 1))
    return stride(from: 0, to: drawn.count, by: perRow).map { start in
        let row = drawn[start..<min(start + perRow, drawn.count)]
        return (0..<side + 2).map { line in row.map { $0[line] }.joined(separator: " ") }.joined(separator: "\n")
    }.joined(separator: "\n")
}

/// The terminal's width in columns, or 160 when standard output is not a terminal.
func terminalColumns() -> Int {
    var size = winsize()
    guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 160 }
    return Int(size.ws_col)
}

/// An error about a file that carries no path of its own.
struct PathError: Error, CustomStringConvertible {
    let path: String
    let message: String
    var description: String { "\(message) (\(path))" }
}

private struct PredictionLine: Encodable {
    let file: String
    let model: String
    let number: String
    let digits: [DigitAnswer]
    /// The digit and its scores again, when the picture held one digit.
    let digit: Int?
    let scores: [Float]?

    init(file: String, model: String, readings: [DigitReading]) {
        self.file = file
        self.model = model
        number = NumberReading.text(of: readings)
        digits = readings.map(DigitAnswer.init)
        digit = readings.count == 1 ? readings[0].digit : nil
        scores = readings.count == 1 ? readings[0].scores : nil
    }
}

private struct ErrorLine: Encodable {
    let file: String
    let error: String
}

private func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Encoding strings, integers and finite floats cannot fail.
    print(String(decoding: try! encoder.encode(value), as: UTF8.self))
}
