/// A grayscale picture with coverage: what every PNG and JPEG becomes before it is prepared for the network.
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// Row-major luminance, 0 = black, 255 = white (sRGB-encoded, as the file stores it); count == width × height.
    public var gray: [UInt8]
    /// Row-major opacity, 0 = transparent, 255 = opaque; count == width × height.
    public var alpha: [UInt8]
    /// The file's pixels per pixel here along each side: 1, or 2, 4 or 8 for a JPEG decoded at reduced size.
    /// Boxes found in this image are multiplied by it to speak of the file's own pixels.
    public var reduction = 1

    public init(width: Int, height: Int, gray: [UInt8], alpha: [UInt8]? = nil) {
        precondition(width > 0 && height > 0 && gray.count == width * height, "gray has the wrong size")
        precondition(alpha.map { $0.count == gray.count } ?? true, "alpha has the wrong size")
        self.width = width
        self.height = height
        self.gray = gray
        self.alpha = alpha ?? Array(repeating: 255, count: gray.count)
    }

    /// True when some pixel is not fully opaque.
    public var hasTransparency: Bool { alpha.contains { $0 != 255 } }

    /// The pixels of `region` (which lies within the picture), as a picture of their own with this one's reduction.
    func cropped(to region: PixelRegion) -> GrayImage {
        guard region != PixelRegion(self) else { return self }
        let rows = region.y..<region.y + region.height
        let pick = { (plane: [UInt8]) in rows.flatMap { y in plane[y * width + region.x..<y * width + region.x + region.width] } }
        var part = GrayImage(width: region.width, height: region.height, gray: pick(gray), alpha: pick(alpha))
        part.reduction = reduction
        return part
    }
}

/// A rectangle of a picture's pixels.
struct PixelRegion: Equatable {
    var x, y, width, height: Int

    init(x: Int, y: Int, width: Int, height: Int) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    /// All of `image`.
    init(_ image: GrayImage) {
        self.init(x: 0, y: 0, width: image.width, height: image.height)
    }
}
