import CTurboJPEG
import Foundation
import Testing
@testable import DigitsCore

/// JPEG files made by libjpeg-turbo's encoder (and two by ImageMagick's), decoded through the real library.
@Suite struct JPEGFileTests {
    /// A 48×32 picture: paper 235, a dark bar (20) at x 12..<20, a mid-gray square (128) at x 30..<38, y 10..<18.
    /// The fixtures in Fixtures/jpeg hold the same picture.
    static let (width, height) = (48, 32)
    static let gray: [UInt8] = (0..<48 * 32).map { i in
        let (x, y) = (i % 48, i / 48)
        if (12..<20).contains(x) { return 20 }
        if (30..<38).contains(x) && (10..<18).contains(y) { return 128 }
        return 235
    }

    static func fixture(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/jpeg/" + name).path
    }

    /// Expects `image` to be the pattern within `tolerance` levels, away from its edges (where JPEG rings).
    static func expectPattern(_ image: GrayImage, tolerance: Int, _ what: String) {
        #expect(image.width == width && image.height == height, "\(what): \(image.width)×\(image.height)")
        guard image.width == width && image.height == height else { return }
        #expect(!image.hasTransparency)
        for (x, y) in [(2, 2), (15, 16), (16, 30), (33, 13), (45, 28), (25, 5)] {
            let (got, want) = (Int(image.gray[y * width + x]), Int(gray[y * width + x]))
            #expect(abs(got - want) <= tolerance, "\(what): pixel (\(x), \(y)) is \(got), expected \(want)")
        }
    }

    static let writers: [(String, JPEGWriter)] = [
        ("gray", JPEGWriter(pixels: .gray)),
        ("YCbCr 4:4:4", JPEGWriter(pixels: .rgb(TJSAMP_444))),
        ("YCbCr 4:2:2", JPEGWriter(pixels: .rgb(TJSAMP_422))),
        ("YCbCr 4:2:0", JPEGWriter(pixels: .rgb(TJSAMP_420))),
        ("YCCK (CMYK pixels)", JPEGWriter(pixels: .cmyk)),
        ("gray, progressive", JPEGWriter(pixels: .gray, progressive: true)),
        ("YCbCr 4:2:0, progressive", JPEGWriter(pixels: .rgb(TJSAMP_420), progressive: true)),
        ("YCCK, progressive", JPEGWriter(pixels: .cmyk, progressive: true)),
        ("gray, quality 50", JPEGWriter(pixels: .gray, quality: 50)),
    ]

    @Test(arguments: writers.indices)
    func decodesEveryColourModelToGray(_ index: Int) throws {
        let (name, writer) = Self.writers[index]
        let folder = TemporaryFolder()
        let path = folder.write("p.jpg", writer.encode(gray: Self.gray, width: Self.width, height: Self.height))
        Self.expectPattern(try PictureFile.read(from: path), tolerance: writer.quality < 90 ? 16 : 6, name)
    }

    @Test func decodesAdobeCMYKAndRGBFilesFromAnotherEncoder() throws {
        // Written by ImageMagick: CMYK with Adobe's marker (inverted samples), and RGB stored without YCbCr.
        Self.expectPattern(try PictureFile.read(from: Self.fixture("cmyk-adobe.jpg")), tolerance: 6, "Adobe CMYK")
        Self.expectPattern(try PictureFile.read(from: Self.fixture("rgb-colorspace.jpg")), tolerance: 6, "RGB")
    }

    @Test func theFormatIsKnownByContentNotName() throws {
        let folder = TemporaryFolder()
        let jpeg = folder.write("looks-like.png", JPEGWriter().encode(gray: Self.gray, width: Self.width, height: Self.height))
        let png = folder.write("looks-like.jpg", PNGWriter(colorType: .gray, bitDepth: 8).encode(
            rgba: Self.gray.flatMap { [$0, $0, $0, 255] }, width: Self.width, height: Self.height))
        Self.expectPattern(try PictureFile.read(from: jpeg), tolerance: 6, "a JPEG named .png")
        Self.expectPattern(try PictureFile.read(from: png), tolerance: 0, "a PNG named .jpg")
        let text = folder.write("text.jpg", Array("JPEG, or so it says".utf8))
        #expect(throws: PictureError(path: text, problem: .unknownFormat(empty: false))) { try PictureFile.read(from: text) }
        #expect(PictureError(path: text, problem: .unknownFormat(empty: false)).description
            == "not a PNG or JPEG picture (\(text))")
    }

    /// Real files in the formats people hand in that digits does not read (see Fixtures/other-formats/README.md):
    /// each is named, from a file or a pipe, and whatever the file is called; text that merely begins like one
    /// (a BMP's "BM", a WebP's "RIFF") is not.
    @Test func picturesInOtherFormatsAreNamed() throws {
        let formats = ["gif": "GIF", "bmp": "BMP", "tif": "TIFF", "webp": "WebP", "heic": "HEIC", "avif": "AVIF"]
        for (ext, name) in formats {
            let path = repositoryRoot.appendingPathComponent("Tests/DigitsCoreTests/Fixtures/other-formats/commas." + ext).path
            #expect(throws: PictureError(path: path, problem: .otherFormat(name))) { try PictureFile.read(from: path) }
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(throws: PictureError(path: "standard input", problem: .otherFormat(name))) {
                try PictureStreamTests.readThroughPipe(bytes)
            }
            #expect(PictureFile.decode(Data(bytes)) == .failure(.otherFormat(name)))
        }
        let folder = TemporaryFolder()
        let heic = folder.write("photo.jpg", try [UInt8](Data(contentsOf: repositoryRoot.appendingPathComponent(
            "Tests/DigitsCoreTests/Fixtures/other-formats/commas.heic"))))
        #expect(PictureError(path: heic, problem: .otherFormat("HEIC")).description
            == "a picture in HEIC, which digits does not read: save it as JPEG or PNG (\(heic))")
        #expect(throws: PictureError(path: heic, problem: .otherFormat("HEIC"))) { try PictureFile.read(from: heic) }
        for text in ["BMW 3 series, 2026", "RIFF raff, not a WebP", "II", "ftyp"] {
            let path = folder.write("text.png", Array(text.utf8))
            #expect(throws: PictureError(path: path, problem: .unknownFormat(empty: false)), "\(text)") {
                try PictureFile.read(from: path)
            }
        }
    }

    // MARK: Orientation

    /// Where stored pixel (column c, row r) of a `ws`×`hs` picture is shown under EXIF orientation `o`, written
    /// from TIFF 6.0's words for each value ("the 0th row represents the visual right-hand side of the image,
    /// and the 0th column represents the visual top", for 6), independently of `Orientation`.
    static func shown(_ c: Int, _ r: Int, orientation o: Int, ws: Int, hs: Int) -> (x: Int, y: Int) {
        switch o {
        case 1: (c, r)
        case 2: (ws - 1 - c, r)
        case 3: (ws - 1 - c, hs - 1 - r)
        case 4: (c, hs - 1 - r)
        case 5: (r, c)
        case 6: (hs - 1 - r, c)
        case 7: (hs - 1 - r, ws - 1 - c)
        default: (r, ws - 1 - c)
        }
    }

    /// What a camera held in orientation `o` stores of the scene `upright`.
    static func stored(_ upright: [UInt8], width: Int, height: Int, orientation o: Int) -> (pixels: [UInt8], width: Int, height: Int) {
        let (ws, hs) = o >= 5 ? (height, width) : (width, height)
        var pixels = [UInt8](repeating: 0, count: ws * hs)
        for r in 0..<hs {
            for c in 0..<ws {
                let (x, y) = shown(c, r, orientation: o, ws: ws, hs: hs)
                pixels[r * ws + c] = upright[y * width + x]
            }
        }
        return (pixels, ws, hs)
    }

    @Test func orientationsTurnASmallPictureAsTheirNamesSay() {
        // a b c      6 (turned clockwise to show): d a     8 (anticlockwise): c f     3: f e d     5: a d
        // d e f                                    e b                        b e        c b a        b e
        //                                          f c                        a d                     c f
        let image = GrayImage(width: 3, height: 2, gray: [1, 2, 3, 4, 5, 6])
        #expect(Orientation.right.displayed(image).gray == [4, 1, 5, 2, 6, 3])
        #expect(Orientation.left.displayed(image).gray == [3, 6, 2, 5, 1, 4])
        #expect(Orientation.down.displayed(image).gray == [6, 5, 4, 3, 2, 1])
        #expect(Orientation.leftMirrored.displayed(image).gray == [1, 4, 2, 5, 3, 6])
        for orientation in Orientation.allCases {
            let shown = orientation.displayed(image)
            let expected = (orientation.rawValue >= 5 ? (2, 3) : (3, 2))
            #expect((shown.width, shown.height) == expected)
            // Every orientation shows what a camera held that way stored.
            let scene = Self.stored(image.gray, width: 3, height: 2, orientation: 1)
            let camera = Self.stored(scene.pixels, width: 3, height: 2, orientation: orientation.rawValue)
            let back = orientation.displayed(GrayImage(width: camera.width, height: camera.height, gray: camera.pixels))
            #expect(back.gray == image.gray && back.width == 3, "orientation \(orientation.rawValue)")
        }
    }

    @Test(arguments: 1...8)
    func everyEXIFOrientationGivesTheUprightDigit(_ orientation: Int) throws {
        // An MNIST test digit enlarged on a canvas that is not square, so that a wrong turn changes the shape.
        let test = try PictureTests.test.get()
        let style = PictureStyle(name: "dark on white", scale: 4, canvas: (144, 112), position: (0.3, 0.6))
        let upright = style.render(test.image(0), seed: 0).enumerated().compactMap { $0.offset % 4 == 0 ? $0.element : nil }
        let folder = TemporaryFolder()
        let writer = JPEGWriter(quality: 95)
        let reference = try DigitPreparation.prepare(PictureFile.read(from: folder.write("up.jpg",
            writer.encode(gray: upright, width: 144, height: 112))))
        let camera = Self.stored(upright, width: 144, height: 112, orientation: orientation)
        for bigEndian in [false, true] {
            let bytes = JPEGWriter.withEXIF(writer.encode(gray: camera.pixels, width: camera.width, height: camera.height),
                                            orientation: orientation, bigEndian: bigEndian)
            let image = try PictureFile.read(from: folder.write("o.jpg", bytes))
            #expect((image.width, image.height) == (144, 112))
            let prepared = try DigitPreparation.prepare(image)
            // The same digit, but for JPEG's rounding of blocks that now lie the other way: within 3 levels on
            // average, and the box the same to a pixel.
            let difference = zip(prepared.pixels, reference.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
            #expect(difference <= 3 * 784, "orientation \(orientation): \(difference / 784) levels apart on average")
            #expect(abs(prepared.box.x - reference.box.x) <= 1 && abs(prepared.box.y - reference.box.y) <= 1
                && abs(prepared.box.width - reference.box.width) <= 1, "\(prepared.box) vs \(reference.box)")
            let network = try committedModel.get()
            #expect(network.classify(prepared.networkInput) == network.classify(reference.networkInput))
        }
    }

    static let malformedEXIF: [(String, [UInt8])] = [
        ("no TIFF after Exif", Array("Exif\0\0".utf8)),
        ("unknown byte order", Array("Exif\0\0XX".utf8) + [42, 0, 8, 0, 0, 0, 1, 0]),
        ("directory beyond the end", Array("Exif\0\0II".utf8) + [42, 0, 0xFF, 0xFF, 0, 0]),
        ("entry count beyond the end", Array("Exif\0\0II".utf8) + [42, 0, 8, 0, 0, 0, 0xFF, 0xFF, 0x12, 0x01]),
        ("orientation of the wrong type", Array("Exif\0\0II".utf8) + [42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 4, 0, 1, 0, 0, 0, 6, 0, 0, 0]),
        ("orientation 9", Array("Exif\0\0II".utf8) + [42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 9, 0, 0, 0]),
        ("orientation 0", Array("Exif\0\0MM".utf8) + [0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0]),
    ]

    @Test(arguments: malformedEXIF.indices)
    func aMalformedEXIFBlockIsIgnored(_ index: Int) throws {
        let (name, payload) = Self.malformedEXIF[index]
        let jpeg = JPEGWriter.withAPP1(JPEGWriter().encode(gray: Self.gray, width: Self.width, height: Self.height), payload)
        let folder = TemporaryFolder()
        Self.expectPattern(try PictureFile.read(from: folder.write("e.jpg", jpeg)), tolerance: 6, name)
    }

    @Test func anEXIFSegmentWhoseLengthRunsPastTheFileIsIgnoredToo() {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF] + Array("Exif\0\0II".utf8)
        #expect(jpeg.withUnsafeBytes { EXIF.orientation(inJPEG: $0) } == nil)
    }

    // MARK: Damaged and hostile files

    static func validJPEG() -> [UInt8] {
        JPEGWriter().encode(gray: Self.gray, width: Self.width, height: Self.height)
    }

    static let malformed: [(name: String, bytes: [UInt8])] = {
        let good = validJPEG()
        var corrupt = good
        // Inside the entropy-coded data (which ends with the 2-byte end-of-image marker): a marker in mid-scan.
        corrupt[good.count - 40] = 0xFF
        corrupt[good.count - 39] = 0xC4
        return [
            ("signature only", [0xFF, 0xD8, 0xFF]),
            ("header only", Array(good.prefix(good.count / 4))),
            ("truncated", Array(good.prefix(good.count - 30))),
            ("corrupt scan", corrupt),
            ("no end of image", Array(good.dropLast(2))),
        ]
    }()

    @Test(arguments: malformed.indices)
    func rejectsDamagedJPEGWithOneLineNamingTheFile(_ index: Int) throws {
        let (name, bytes) = Self.malformed[index]
        let folder = TemporaryFolder()
        let path = folder.write(name, bytes)
        let error = try #require(throws: PictureError.self) { try PictureFile.read(from: path) }
        guard case .invalid(.jpeg, let message) = error.problem else {
            Issue.record("\(name): \(error)")
            return
        }
        #expect(!message.isEmpty && !message.contains("\n") && !message.contains("():"))
        #expect(error.description.hasPrefix("not a readable JPEG: ") && error.description.hasSuffix("(\(path))"))
    }

    @Test func aTruncatedPhotoIsAnErrorNotAGuess() throws {
        let folder = TemporaryFolder()
        let path = folder.write("cut.jpg", Array(Self.validJPEG().dropLast(60)))
        #expect(throws: PictureError(path: path, problem: .invalid(.jpeg, "Premature end of JPEG file"))) {
            try PictureFile.read(from: path)
        }
    }

    /// `jpeg` with its start-of-frame's height and width replaced.
    static func claiming(width: Int, height: Int, _ jpeg: [UInt8]) -> [UInt8] {
        var bytes = jpeg
        let sof = (0..<bytes.count - 9).first { bytes[$0] == 0xFF && (0xC0...0xC2).contains(bytes[$0 + 1]) }!
        bytes.replaceSubrange(sof + 5..<sof + 9, with: [UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF)])
        return bytes
    }

    @Test func refusesAHeaderClaiming65000By65000PixelsBeforeAllocating() throws {
        // A 1 KB file declaring 4.2 gigapixels: refused from the header, before the 4.2 GB it would need.
        let folder = TemporaryFolder()
        let path = folder.write("huge.jpg", Self.claiming(width: 65_000, height: 65_000, Self.validJPEG()))
        #expect(throws: PictureError(path: path, problem: .tooLarge(width: 65_000, height: 65_000, limit: PictureFile.defaultPixelLimit))) {
            try PictureFile.read(from: path)
        }
        let small = folder.write("small.jpg", Self.validJPEG())
        #expect(throws: PictureError(path: small, problem: .tooLarge(width: 48, height: 32, limit: 1_000))) {
            try PictureFile.read(from: small, pixelLimit: 1_000)
        }
        #expect(try PictureFile.read(from: small, pixelLimit: 48 * 32).width == 48)
    }

    @Test func aSmallFileDeclaringALargePictureEndsInAnError() throws {
        // 7,000 × 7,000 (under the limit) from a 1 KB file: the data runs out, and that is an error.
        let folder = TemporaryFolder()
        let path = folder.write("tall.jpg", Self.claiming(width: 7_000, height: 7_000, Self.validJPEG()))
        let error = try #require(throws: PictureError.self) { try PictureFile.read(from: path) }
        #expect(error.description.hasPrefix("not a readable JPEG"))
    }

    @Test func aFileOfEndlessMarkersEndsInAnError() throws {
        // 200,000 empty comment segments and no picture: libjpeg reads them all and finds no frame.
        let comments = [UInt8]((0..<200_000).flatMap { _ in [0xFF, 0xFE, 0x00, 0x02] as [UInt8] })
        let folder = TemporaryFolder()
        let path = folder.write("markers.jpg", [0xFF, 0xD8] + comments + [0xFF, 0xD9])
        let error = try #require(throws: PictureError.self) { try PictureFile.read(from: path) }
        #expect(error.description.hasPrefix("not a readable JPEG"))
    }

    @Test func aProgressiveFileOfMoreThan500ScansIsRefused() throws {
        // A valid progressive file of 694 scans, each AC coefficient coded alone and refined bit by bit: djpeg
        // decodes it; each scan revisits the whole picture, so digits stops at libjpeg-turbo's limit of 500.
        let path = Self.fixture("694-scans.jpg")
        #expect(throws: PictureError(path: path, problem: .invalid(.jpeg, "Progressive JPEG image has more than 500 scans"))) {
            try PictureFile.read(from: path)
        }
    }

    @Test func aProgressiveFileRepeatingAScanThousandsOfTimesIsRefused() throws {
        // A real progressive file with its last scan repeated 3,000 times.
        let good = JPEGWriter(pixels: .gray, progressive: true).encode(gray: Self.gray, width: Self.width, height: Self.height)
        let lastScan = (0..<good.count - 1).last { good[$0] == 0xFF && good[$0 + 1] == 0xDA }!
        let scan = good[lastScan..<(good.count - 2)]
        let bytes = Array(good[..<(good.count - 2)]) + (0..<3_000).flatMap { _ in scan } + [0xFF, 0xD9]
        let folder = TemporaryFolder()
        let path = folder.write("scans.jpg", bytes)
        let error = try #require(throws: PictureError.self) { try PictureFile.read(from: path) }
        #expect(error.description.hasPrefix("not a readable JPEG"))
    }

    // MARK: Decoding at reduced size

    @Test func aLargePhotoIsDecodedSmallerAndItsBoxSpeaksOfTheFilesPixels() throws {
        // 3,200 × 2,400 with a dark block at (1,200, 800), 480 × 960: decoded at 1/8 (400 × 300), the largest
        // reduction whose longer side keeps 400 pixels.
        let (w, h) = (3_200, 2_400)
        var gray = [UInt8](repeating: 240, count: w * h)
        for y in 800..<1_760 { for x in 1_200..<1_680 { gray[y * w + x] = 30 } }
        let folder = TemporaryFolder()
        let path = folder.write("big.jpg", JPEGWriter(quality: 80).encode(gray: gray, width: w, height: h))
        let reduced = try PictureFile.read(from: path, minimumSide: 400)
        #expect((reduced.width, reduced.height, reduced.reduction) == (400, 300, 8))
        let whole = try PictureFile.read(from: path)
        #expect((whole.width, whole.height, whole.reduction) == (3_200, 2_400, 1))
        let a = try DigitPreparation.prepare(reduced), b = try DigitPreparation.prepare(whole)
        for (got, want) in [(a.box.x, 1_200), (a.box.y, 800), (a.box.width, 480), (a.box.height, 960),
                            (b.box.x, 1_200), (b.box.y, 800), (b.box.width, 480), (b.box.height, 960)] {
            #expect(abs(got - want) <= 16, "box \(a.box) and \(b.box), expected (1200, 800, 480, 960)")
        }
        let difference = zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(difference <= 8, "the two prepared digits differ by up to \(difference) levels")
        // A picture whose longer side is under twice the minimum is decoded whole.
        let modest = folder.write("modest.jpg", JPEGWriter().encode(gray: Array(gray[0..<700 * 500]), width: 700, height: 500))
        #expect(try PictureFile.read(from: modest, minimumSide: 400).reduction == 1)
    }
}

/// Pictures from a pipe, as `digits predict -` reads standard input.
@Suite struct PictureStreamTests {
    /// Writes `bytes` into a pipe in pieces of `piece` bytes from another thread and reads a picture from it.
    static func readThroughPipe(_ bytes: [UInt8], piece: Int = 5, byteLimit: Int = PictureFile.fileSizeLimit,
                                pixelLimit: Int = PictureFile.defaultPixelLimit) throws -> GrayImage {
        // The reader may stop early and close its end; the writer then gets EPIPE, not a signal that ends the tests.
        signal(SIGPIPE, SIG_IGN)
        let pipe = Pipe()
        let writer = Thread {
            for start in stride(from: 0, to: bytes.count, by: piece) {
                try? pipe.fileHandleForWriting.write(contentsOf: bytes[start..<min(bytes.count, start + piece)])
            }
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        defer { try? pipe.fileHandleForReading.close() }
        return try PictureFile.read(from: pipe.fileHandleForReading, name: "standard input", pixelLimit: pixelLimit,
                                    byteLimit: byteLimit)
    }

    @Test func readsAJPEGAndAPNGArrivingInSmallPieces() throws {
        let jpeg = JPEGWriter().encode(gray: JPEGFileTests.gray, width: 48, height: 32)
        JPEGFileTests.expectPattern(try Self.readThroughPipe(jpeg), tolerance: 6, "JPEG from a pipe")
        let png = PNGWriter(colorType: .gray, bitDepth: 8).encode(
            rgba: JPEGFileTests.gray.flatMap { [$0, $0, $0, 255] }, width: 48, height: 32)
        JPEGFileTests.expectPattern(try Self.readThroughPipe(png, piece: 3), tolerance: 0, "PNG from a pipe")
    }

    @Test func refusesWhatIsNotAPictureAndWhatIsTooLong() throws {
        #expect(throws: PictureError(path: "standard input", problem: .unknownFormat(empty: true))) {
            try Self.readThroughPipe([])
        }
        #expect(throws: PictureError(path: "standard input", problem: .unknownFormat(empty: false))) {
            try Self.readThroughPipe(Array("hello".utf8))
        }
        let jpeg = JPEGWriter().encode(gray: JPEGFileTests.gray, width: 48, height: 32)
        let long = jpeg + [UInt8](repeating: 0, count: 3 << 20)
        // How far past the limit the reading got depends on how the pipe delivers; the limit is what counts.
        let error = try #require(throws: FileError.self) { try Self.readThroughPipe(long, piece: 1 << 16, byteLimit: 2 << 20) }
        guard case .tooLarge(let bytes, 2 << 20) = error.problem, error.path == "standard input" else {
            Issue.record("\(error)")
            return
        }
        #expect(bytes > 2 << 20 && bytes <= 3 << 20)
        #expect(throws: PictureError(path: "standard input", problem: .tooLarge(width: 48, height: 32, limit: 100))) {
            try Self.readThroughPipe(jpeg, pixelLimit: 100)
        }
    }
}
