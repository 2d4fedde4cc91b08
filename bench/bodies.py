"""Request bodies for bench/run (standard library only).

  python3 bench/bodies.py get EXAMPLE.json SUBMISSION.json
      The OpenAPI example's content (GET /openapi.json's example of GET submission) for a
      storeroom submission:
      its read-only fields dropped and its packages replaced by the submission's own plus
      one new version, so that storeroom answers the GET with what Prism serves.

  python3 bench/bodies.py put KIB TITLE
      An app submission PUT body of about KIB KiB: listings in as many languages as it
      takes, each with a long description, features, keywords, release notes, hardware
      notes and screenshots, within Partner Center's limits. No applicationPackages: PUT
      merges, so the same body fits every submission it is sent to.
"""

import json
import sys

READ_ONLY = ("id", "status", "statusDetails", "fileUploadUrl", "friendlyName")

LANGUAGES = [
    "en-us", "de-de", "fr-fr", "es-es", "it-it", "ja-jp", "ko-kr", "zh-cn", "zh-tw", "pt-br",
    "nl-nl", "sv-se", "pl-pl", "tr-tr", "ru-ru", "cs-cz", "da-dk", "fi-fi", "nb-no", "hu-hu",
    "el-gr", "he-il", "ar-sa", "th-th", "uk-ua", "ro-ro", "id-id", "vi-vn", "ms-my", "hi-in",
]


def get_body(example_path, submission_path):
    body = json.load(open(example_path))
    for field in READ_ONLY:
        body.pop(field, None)
    packages = json.load(open(submission_path))["applicationPackages"]
    identity = packages[0]["fileName"].split("_")[0]
    body["applicationPackages"] = packages + [{
        "fileName": f"{identity}_2.1.0.0_x64.msix", "fileStatus": "PendingUpload",
        "minimumDirectXVersion": "None", "minimumSystemRam": "None",
    }]
    return body


def listing(language, title):
    sentence = (f"{title} keeps your documents, notes and reading lists in one place ({language}). "
                "Sync across your devices, work offline and pick up where you left off. ")
    return {
        "baseListing": {
            "copyrightAndTrademarkInfo": "© 2026 Contoso Ltd. All rights reserved.",
            "keywords": ["reader", "notes", "documents", "offline", "sync", "library", "search"],
            "licenseTerms": "https://contoso.example/license",
            "description": sentence * 14,
            "features": [f"Feature {n}: " + "organize, search and share your library " * 3
                         for n in range(1, 11)],
            "releaseNotes": "Faster search, new export formats, accessibility fixes. " * 8,
            "images": [{
                "fileName": f"images/{language}/screenshot{n}.png",
                "fileStatus": "PendingUpload",
                "description": f"Screenshot {n}: the library, a document and search results",
                "imageType": "Screenshot",
            } for n in range(1, 9)],
            "recommendedHardware": ["8 GB of memory", "A touch screen", "A pen"],
            "minimumHardware": ["4 GB of memory"],
            "title": title,
            "shortDescription": "Documents, notes and reading lists, everywhere.",
            "devStudio": "Contoso Ltd.",
        },
        "platformOverrides": {},
    }


def put_body(kib, title):
    body = {
        "applicationCategory": "Productivity",
        "visibility": "Public",
        "targetPublishMode": "Immediate",
        "notesForCertification": "Sign in with the test account: reader-test@contoso.example.",
        "listings": {},
    }
    for language in LANGUAGES:
        if len(json.dumps(body)) >= kib * 1024:
            break
        body["listings"][language] = listing(language, title)
    return body


def main():
    if sys.argv[1] == "get":
        print(json.dumps(get_body(sys.argv[2], sys.argv[3])))
    elif sys.argv[1] == "put":
        print(json.dumps(put_body(float(sys.argv[2]), sys.argv[3])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
