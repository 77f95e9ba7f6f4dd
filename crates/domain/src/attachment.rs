//! Attachments: complaint evidence (CMP-3: photos, video, audio, signatures) and, next, the
//! repairs module's photos, signatures and PDFs. What a file is comes from its first bytes —
//! never from its name or the client's Content-Type — so a renamed script is refused and a
//! photo is served as a photo. Which kinds an owner accepts, the size limits per kind, and a
//! file name that is safe to store and to send back in a header are decided here.

use crate::error::Reason;
use crate::text_enum;

text_enum! {
    /// The kind of record a file is attached to.
    AttachmentEntity {
        Complaint = "complaint", "投诉", "Complaint";
        WorkOrder = "work_order", "维修工单", "Work order";
    }
}

/// The broad class of a file; the size limit and how it is shown follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileClass {
    Image,
    Document,
    Audio,
    Video,
}

/// A file type propdesk accepts, recognised by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    WebP,
    Gif,
    Pdf,
    Mp3,
    /// AAC in an MP4 container (`.m4a`, iPhone voice memos).
    M4a,
    /// Raw AAC in ADTS frames.
    Aac,
    /// AMR narrow- or wide-band (phone call recorders).
    Amr,
    Wav,
    Mp4,
    /// QuickTime (`.mov`, iPhone video).
    Mov,
}

impl FileKind {
    pub const ALL: &'static [FileKind] = &[
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::WebP,
        FileKind::Gif,
        FileKind::Pdf,
        FileKind::Mp3,
        FileKind::M4a,
        FileKind::Aac,
        FileKind::Amr,
        FileKind::Wav,
        FileKind::Mp4,
        FileKind::Mov,
    ];

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::WebP => "image/webp",
            FileKind::Gif => "image/gif",
            FileKind::Pdf => "application/pdf",
            FileKind::Mp3 => "audio/mpeg",
            FileKind::M4a => "audio/mp4",
            FileKind::Aac => "audio/aac",
            FileKind::Amr => "audio/amr",
            FileKind::Wav => "audio/wav",
            FileKind::Mp4 => "video/mp4",
            FileKind::Mov => "video/quicktime",
        }
    }

    /// The kind a stored content type names (what `content_type` wrote).
    pub fn from_content_type(s: &str) -> Option<FileKind> {
        FileKind::ALL.iter().copied().find(|k| k.content_type() == s)
    }

    pub fn class(self) -> FileClass {
        match self {
            FileKind::Jpeg | FileKind::Png | FileKind::WebP | FileKind::Gif => FileClass::Image,
            FileKind::Pdf => FileClass::Document,
            FileKind::Mp3 | FileKind::M4a | FileKind::Aac | FileKind::Amr | FileKind::Wav => FileClass::Audio,
            FileKind::Mp4 | FileKind::Mov => FileClass::Video,
        }
    }

    /// File-name extensions of the kind; the first is added to a name that lacks all of them.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Jpeg => &["jpg", "jpeg", "jfif"],
            FileKind::Png => &["png"],
            FileKind::WebP => &["webp"],
            FileKind::Gif => &["gif"],
            FileKind::Pdf => &["pdf"],
            FileKind::Mp3 => &["mp3"],
            FileKind::M4a => &["m4a", "mp4", "aac"],
            FileKind::Aac => &["aac"],
            FileKind::Amr => &["amr"],
            FileKind::Wav => &["wav"],
            FileKind::Mp4 => &["mp4", "m4v"],
            FileKind::Mov => &["mov", "qt"],
        }
    }

    /// Images are shown in the page; everything else is offered as a download.
    pub fn inline(self) -> bool {
        self.class() == FileClass::Image
    }
}

/// How many leading bytes `sniff` needs.
pub const SNIFF_BYTES: usize = 16;

/// ISO-BMFF major brands of MP4 video (ISO/IEC 14496-12 and -14, the common encoder brands).
const MP4_BRANDS: &[&[u8; 4]] = &[b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"MSNV", b"dash", b"f4v "];
const M4A_BRANDS: &[&[u8; 4]] = &[b"M4A ", b"M4B ", b"M4P "];
/// Top-level atoms that open QuickTime files written before the `ftyp` atom existed.
const QT_ATOMS: &[&[u8; 4]] = &[b"moov", b"mdat", b"wide", b"free", b"pnot"];

/// The file's kind from its first bytes, if it is one propdesk accepts at all.
pub fn sniff(b: &[u8]) -> Option<FileKind> {
    let at = |i: usize, sig: &[u8]| b.get(i..i + sig.len()) == Some(sig);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return Some(FileKind::Png);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Some(FileKind::Gif);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Some(FileKind::WebP);
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return Some(FileKind::Wav);
    }
    if at(0, b"%PDF-") {
        return Some(FileKind::Pdf);
    }
    if at(0, b"#!AMR\n") || at(0, b"#!AMR-WB\n") {
        return Some(FileKind::Amr);
    }
    if at(0, b"ID3") {
        return Some(FileKind::Mp3);
    }
    if at(4, b"ftyp") {
        let brand = b.get(8..12)?;
        if M4A_BRANDS.iter().any(|x| x.as_slice() == brand) {
            return Some(FileKind::M4a);
        }
        if brand == b"qt  " {
            return Some(FileKind::Mov);
        }
        if MP4_BRANDS.iter().any(|x| x.as_slice() == brand) {
            return Some(FileKind::Mp4);
        }
        // HEIC, AVIF, 3GP and other brands are not on the list.
        return None;
    }
    if let Some(atom) = b.get(4..8)
        && QT_ATOMS.iter().any(|x| x.as_slice() == atom)
    {
        return Some(FileKind::Mov);
    }
    // MPEG audio frame sync: eleven set bits. Layer bits 00 mean ADTS AAC; MPEG version
    // bits 01 are reserved, so such a header is not audio at all.
    if let (Some(0xFF), Some(&h)) = (b.first(), b.get(1))
        && h & 0xE0 == 0xE0
    {
        let layer = (h >> 1) & 0b11;
        let version = (h >> 3) & 0b11;
        return match (layer, version) {
            (0, 0b10 | 0b11) => Some(FileKind::Aac),
            (0, _) | (_, 0b01) => None,
            _ => Some(FileKind::Mp3),
        };
    }
    None
}

/// Which kinds an owner accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Photos and scanned or signed documents (the default for records).
    ImagesAndPdf,
    /// CMP-3 evidence: photos, PDF, audio and video.
    Evidence,
}

impl Accept {
    pub fn accepts(self, k: FileKind) -> bool {
        match self {
            Accept::ImagesAndPdf => matches!(k.class(), FileClass::Image | FileClass::Document),
            Accept::Evidence => true,
        }
    }
    /// The refusal of a kind this owner does not take, in words that list what it does take.
    fn refusal(self) -> Reason {
        match self {
            Accept::ImagesAndPdf => {
                Reason::Invalid("文件类型不支持，仅限 JPEG、PNG、WebP、GIF 图片或 PDF", "is not an accepted type: JPEG, PNG, WebP or GIF images, or PDF")
            }
            Accept::Evidence => Reason::Invalid(
                "文件类型不支持，仅限图片（JPEG、PNG、WebP、GIF）、PDF、音频（MP3、M4A/AAC、AMR、WAV）或视频（MP4、MOV）",
                "is not an accepted type: images (JPEG, PNG, WebP, GIF), PDF, audio (MP3, M4A/AAC, AMR, WAV) or video (MP4, MOV)",
            ),
        }
    }
}

impl AttachmentEntity {
    pub fn accepts(self) -> Accept {
        match self {
            AttachmentEntity::Complaint => Accept::Evidence,
            // REP-1: photos of the fault and of the work, and scanned documents.
            AttachmentEntity::WorkOrder => Accept::ImagesAndPdf,
        }
    }
}

/// Size limits per file, in bytes; the defaults of per-deployment settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub image_or_pdf: u64,
    pub audio_or_video: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { image_or_pdf: 10 * 1024 * 1024, audio_or_video: 50 * 1024 * 1024 }
    }
}

impl Limits {
    pub fn of(&self, k: FileKind) -> u64 {
        match k.class() {
            FileClass::Image | FileClass::Document => self.image_or_pdf,
            FileClass::Audio | FileClass::Video => self.audio_or_video,
        }
    }
    /// The largest file any kind may be: reading stops past it.
    pub fn max(&self) -> u64 {
        self.image_or_pdf.max(self.audio_or_video)
    }
}

/// Decides whether a received file may be kept: its kind from its first bytes, accepted by
/// the owner, within the kind's limit. Empty files are refused as missing.
pub fn check(head: &[u8], size: u64, accept: Accept, limits: &Limits) -> Result<FileKind, Reason> {
    if size == 0 {
        return Err(Reason::Required);
    }
    let kind = sniff(head).filter(|k| accept.accepts(*k)).ok_or_else(|| accept.refusal())?;
    let max = limits.of(kind);
    if size > max {
        return Err(Reason::TooLarge(max));
    }
    Ok(kind)
}

/// Characters that reorder text on screen (a name like `photo\u{202E}gpj.exe` shows as
/// `photoexe.jpg`); dropped from names.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The longest stored name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The client's file name made safe to store, list and send back in a header: no directory
/// part, no control or direction-changing characters, none of `"\/:*?<>|`, at most
/// `MAX_NAME_CHARS` characters, and an extension that matches what the file really is (one
/// is added when the name's own does not, so `证据.exe` becomes `证据.exe.jpg`).
pub fn sanitize_file_name(name: &str, kind: FileKind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String =
        base.chars().filter(|c| !c.is_control() && !is_bidi_control(*c) && !matches!(c, '"' | '\\' | '/' | ':' | '*' | '?' | '<' | '>' | '|')).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let has_ext = cleaned.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && kind.extensions().iter().any(|e| e.eq_ignore_ascii_case(ext)));
    let (stem, ext) = if has_ext {
        match cleaned.rsplit_once('.') {
            Some((stem, ext)) => (stem.to_string(), ext.to_string()),
            None => (cleaned.to_string(), kind.extensions()[0].to_string()),
        }
    } else {
        (cleaned.to_string(), kind.extensions()[0].to_string())
    };
    let stem = if stem.trim().is_empty() { "附件".to_string() } else { stem };
    let room = MAX_NAME_CHARS.saturating_sub(ext.chars().count() + 1);
    let stem: String = stem.chars().take(room).collect();
    format!("{}.{ext}", stem.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rep_1_work_order_photos_are_images_and_pdf_only() {
        let a = AttachmentEntity::WorkOrder.accepts();
        assert_eq!(a, Accept::ImagesAndPdf);
        assert!(a.accepts(FileKind::Jpeg) && a.accepts(FileKind::Png) && a.accepts(FileKind::Pdf));
        assert!(!a.accepts(FileKind::Mp3) && !a.accepts(FileKind::Mp4));
    }

    fn pad(sig: &[u8]) -> Vec<u8> {
        let mut v = sig.to_vec();
        v.resize(SNIFF_BYTES.max(sig.len()), 0);
        v
    }

    #[test]
    fn cmp_3_kinds_come_from_the_first_bytes() {
        assert_eq!(sniff(&pad(&[0xFF, 0xD8, 0xFF, 0xE0])), Some(FileKind::Jpeg));
        assert_eq!(sniff(&pad(b"\x89PNG\r\n\x1a\n")), Some(FileKind::Png));
        assert_eq!(sniff(&pad(b"GIF89a")), Some(FileKind::Gif));
        assert_eq!(sniff(&pad(b"RIFF\x10\0\0\0WEBPVP8 ")), Some(FileKind::WebP));
        assert_eq!(sniff(&pad(b"RIFF\x10\0\0\0WAVEfmt ")), Some(FileKind::Wav));
        assert_eq!(sniff(&pad(b"%PDF-1.7")), Some(FileKind::Pdf));
        assert_eq!(sniff(&pad(b"#!AMR\n")), Some(FileKind::Amr));
        assert_eq!(sniff(&pad(b"#!AMR-WB\n")), Some(FileKind::Amr));
        assert_eq!(sniff(&pad(b"ID3\x04")), Some(FileKind::Mp3));
        assert_eq!(sniff(&pad(&[0xFF, 0xFB, 0x90, 0x64])), Some(FileKind::Mp3), "MPEG-1 layer III frame");
        assert_eq!(sniff(&pad(&[0xFF, 0xF1, 0x50, 0x80])), Some(FileKind::Aac), "ADTS frame");
        assert_eq!(sniff(&pad(b"\0\0\0\x20ftypM4A \0\0\0\0")), Some(FileKind::M4a));
        assert_eq!(sniff(&pad(b"\0\0\0\x20ftypisom\0\0\0\0")), Some(FileKind::Mp4));
        assert_eq!(sniff(&pad(b"\0\0\0\x14ftypqt  \0\0\0\0")), Some(FileKind::Mov));
        assert_eq!(sniff(&pad(b"\0\0\0\x08wide\0\0\0\0")), Some(FileKind::Mov));
    }

    #[test]
    fn cmp_3_anything_else_is_refused() {
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\">"), None);
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None, "a Windows program");
        assert_eq!(sniff(&pad(b"PK\x03\x04")), None, "a zip, even one named .jpg");
        assert_eq!(sniff(&pad(b"\0\0\0\x18ftypheic\0\0\0\0")), None, "HEIC is not on the list");
        assert_eq!(sniff(&pad(&[0xFF, 0xE9, 0x00, 0x00])), None, "reserved MPEG version");
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(&[0xFF]), None);
        assert_eq!(sniff(b"\0\0\0\x20ftyp"), None, "truncated");
    }

    #[test]
    fn cmp_3_evidence_takes_audio_and_video_and_the_default_only_images_and_pdf() {
        let l = Limits::default();
        let mp3 = pad(b"ID3\x04");
        assert_eq!(check(&mp3, 1000, Accept::Evidence, &l), Ok(FileKind::Mp3));
        assert!(matches!(check(&mp3, 1000, Accept::ImagesAndPdf, &l), Err(Reason::Invalid(..))));
        assert_eq!(AttachmentEntity::Complaint.accepts(), Accept::Evidence);
        assert!(matches!(check(b"hello", 5, Accept::Evidence, &l), Err(Reason::Invalid(..))));
        assert_eq!(check(&mp3, 0, Accept::Evidence, &l), Err(Reason::Required));
    }

    #[test]
    fn cmp_3_size_limits_follow_the_class() {
        let l = Limits::default();
        let jpg = pad(&[0xFF, 0xD8, 0xFF, 0xE0]);
        let mp4 = pad(b"\0\0\0\x20ftypmp42\0\0\0\0");
        assert_eq!(check(&jpg, 10 * 1024 * 1024, Accept::Evidence, &l), Ok(FileKind::Jpeg));
        assert_eq!(check(&jpg, 10 * 1024 * 1024 + 1, Accept::Evidence, &l), Err(Reason::TooLarge(10 * 1024 * 1024)));
        assert_eq!(check(&mp4, 30 * 1024 * 1024, Accept::Evidence, &l), Ok(FileKind::Mp4), "video may be bigger than a photo");
        assert_eq!(check(&mp4, 50 * 1024 * 1024 + 1, Accept::Evidence, &l), Err(Reason::TooLarge(50 * 1024 * 1024)));
        assert_eq!(l.max(), 50 * 1024 * 1024);
        assert_eq!(Reason::TooLarge(10 * 1024 * 1024).zh(), "文件过大，此类文件不能超过 10 MB");
    }

    #[test]
    fn cmp_3_file_names_are_made_safe() {
        assert_eq!(sanitize_file_name("现场照片.JPG", FileKind::Jpeg), "现场照片.JPG");
        assert_eq!(sanitize_file_name("C:\\Users\\王\\Desktop\\漏水.jpg", FileKind::Jpeg), "漏水.jpg");
        assert_eq!(sanitize_file_name("../../etc/passwd", FileKind::Pdf), "passwd.pdf");
        assert_eq!(sanitize_file_name("证据.exe", FileKind::Jpeg), "证据.exe.jpg");
        assert_eq!(sanitize_file_name("photo\u{202E}gpj.exe", FileKind::Jpeg), "photogpj.exe.jpg");
        assert_eq!(sanitize_file_name("a\"b;c\r\n.png", FileKind::Png), "ab;c.png");
        assert_eq!(sanitize_file_name("", FileKind::Amr), "附件.amr");
        assert_eq!(sanitize_file_name("...", FileKind::Pdf), "附件.pdf");
        assert_eq!(sanitize_file_name(".jpg", FileKind::Jpeg), "jpg.jpg");
        let long = "长".repeat(300) + ".mp4";
        let s = sanitize_file_name(&long, FileKind::Mp4);
        assert_eq!(s.chars().count(), MAX_NAME_CHARS);
        assert!(s.ends_with(".mp4"));
    }

    #[test]
    fn content_types_round_trip() {
        for k in FileKind::ALL {
            assert_eq!(FileKind::from_content_type(k.content_type()), Some(*k));
        }
        assert!(FileKind::Png.inline() && !FileKind::Pdf.inline() && !FileKind::Mp4.inline());
    }
}
