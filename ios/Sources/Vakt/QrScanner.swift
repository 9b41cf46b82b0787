import Foundation
import VaktFFI

/// What a scanned QR code holds (never a key or credential): `.account(details:)`,
/// `.migration(batch:accounts:unusable:)` or `.pushEnrolment(details:)`.
public typealias QrContent = VaktFFI.ScannedContent
/// One account of a scanned code and what adding it did: `id` is the account
/// that has the key now; `outcome` is `.added`, `.addedLike(id:likeId:)` (same
/// codes as an account with other names: show both) or `.duplicate` (nothing
/// was added).
public typealias ScannedAccount = VaktFFI.ScannedAccountAdded
public typealias AddOutcome = VaktFFI.AddOutcome

/// One QR code read by `QrScanner`. Its key (or push enrolment credential)
/// stays in Rust: show `content()`, then pass it to `VaktSession.add(scanned:)`.
public final class ScannedQr: @unchecked Sendable, CustomStringConvertible {
    let code: ScannedCode

    init(_ code: ScannedCode) {
        self.code = code
    }

    /// What the code holds. Throws `.notAnAuthenticatorQr` (only its scheme is
    /// named) or `.invalidUri` (naming the field at fault).
    public func content() throws -> QrContent {
        try ffi { try code.content() }
    }

    public var description: String { "ScannedQr" }
}

/// A QR code as its modules, for the app to draw: `side` × `side` bytes in
/// `luma`, 0 dark and 255 light, quiet zone included. Draw it scaled without
/// smoothing so it stays crisp (on Apple platforms `cgImage(scale:)`, then
/// `.interpolation(.none)` / `magnificationFilter = .nearest`). **It carries
/// keys**: show it, do not store or share it.
public typealias QrImage = VaktFFI.QrImage

/// Reading QR codes: still images (a screenshot, a picked photo: decoded by the
/// platform, see `scanImage(data:)` and `scanImage(_:)` for a `CGImage` in
/// Images.swift, or `scanImage(luma:…)`) and live camera frames
/// (`scanFrame(_:)` for a `CVPixelBuffer`, or the luma plane's bytes). Rust
/// receives luma. Decoding is CPU work: call it off the main thread (an
/// `AVCaptureVideoDataOutput` delegate queue already is).
public enum QrScanner {
    /// The most pixels Vakt decodes in one image: the Rust core's limit (40
    /// megapixels), read from it.
    public static let maxImagePixels = Int(clamping: VaktFFI.maxImagePixels())

    /// Every QR code in a camera frame's luma (Y) plane, `bytesPerRow` bytes per
    /// row, within the live-camera time budget. Empty when this frame has none:
    /// try the next one. Throws `.invalidInput` for a geometry that does not
    /// fit the buffer.
    public static func scanFrame(luma: Data, width: Int, height: Int, bytesPerRow: Int) throws -> [ScannedQr] {
        let (w, h, stride) = try geometry(width, height, bytesPerRow)
        return try ffi {
            try scanCameraFrame(luma: luma, width: w, height: h, rowStride: stride).map(ScannedQr.init)
        }
    }

    /// The same for a luma plane read in place (e.g. `CVPixelBufferGetBaseAddressOfPlane`
    /// while the buffer is locked): `luma` holds at least
    /// `bytesPerRow × (height − 1) + width` bytes.
    public static func scanFrame(luma: UnsafeRawBufferPointer, width: Int, height: Int, bytesPerRow: Int) throws -> [ScannedQr] {
        let (w, h, stride) = try geometry(width, height, bytesPerRow)
        guard let base = luma.baseAddress, !luma.isEmpty else {
            throw VaktError.invalidInput(message: "the camera frame is empty")
        }
        // No copy here: Rust copies the bytes during the call, while the caller keeps them alive.
        let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: luma.count, deallocator: .none)
        return try ffi {
            try scanCameraFrame(luma: data, width: w, height: h, rowStride: stride).map(ScannedQr.init)
        }
    }

    /// Every QR code in a decoded still image's 8-bit luma, `bytesPerRow`
    /// bytes per row, looking thoroughly (unlike `scanFrame`). Throws
    /// `.noQrCode` when there is none, `.invalidInput` for a geometry that
    /// does not fit the buffer.
    public static func scanImage(luma: Data, width: Int, height: Int, bytesPerRow: Int) throws -> [ScannedQr] {
        let (w, h, stride) = try geometry(width, height, bytesPerRow)
        return try ffi {
            try scanStillImage(luma: luma, width: w, height: h, rowStride: stride).map(ScannedQr.init)
        }
    }

    /// Classifies the text of a code read by another scanner
    /// (`AVMetadataMachineReadableCodeObject.stringValue`).
    public static func fromText(_ text: String) -> ScannedQr {
        ScannedQr(ScannedCode.fromText(text: text))
    }

    /// Sizes as the FFI takes them; negative or too large ones are refused here.
    private static func geometry(_ width: Int, _ height: Int, _ bytesPerRow: Int) throws -> (UInt32, UInt32, UInt32) {
        guard let w = UInt32(exactly: width), let h = UInt32(exactly: height), let stride = UInt32(exactly: bytesPerRow) else {
            throw VaktError.invalidInput(message: "the image size is out of range (\(width) × \(height), \(bytesPerRow) bytes per row)")
        }
        return (w, h, stride)
    }
}

/// Which codes of a multi-code Google Authenticator export have been scanned:
/// `feed` each export code, then show `missing()` ("code 2 of 3 still to scan").
public final class MigrationScanProgress: @unchecked Sendable {
    private let progress = MigrationProgress.empty()

    public init() {}

    /// Records an export code: `true` if new, `false` if scanned before. Throws
    /// `.invalidUri` for a code that contradicts its export, `.invalidInput`
    /// for a code that is not an export code.
    @discardableResult
    public func feed(_ qr: ScannedQr) throws -> Bool {
        try ffi { try progress.feed(code: qr.code) }
    }

    /// Every export with codes still missing (0-based indices).
    public func missing() throws -> [MissingExportCodes] {
        try ffi { try progress.missing() }
    }

    /// Whether every code of every export fed so far has been scanned.
    public func isComplete() throws -> Bool {
        try ffi { try progress.isComplete() }
    }
}
