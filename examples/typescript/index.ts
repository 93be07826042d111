import * as plivo from "@pulumi/plivo";

// Diffed by the sha256 of each file's bytes: a moved file is no change, new bytes are new
// media. reuploadAfter replaces the media before Plivo would delete it unsent (6 h).
const logo = new plivo.MediaFile("logo", {
    path: "media/logo.png",
    reuploadAfter: "5h",
});

const contact = new plivo.MediaFile("contact", {
    path: "media/contact.vcf",
    fileName: "harbor-cafe.vcf",
    contentType: "text/vcard",
});

export const logoUrl = logo.mediaUrl;
export const logoExpiresAt = logo.expiresAt;
export const contactId = contact.mediaId;
export const contactUrl = contact.mediaUrl;
