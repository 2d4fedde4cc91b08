"""Uploads files to storeroom's blob endpoint with the Python azure-storage-blob SDK (v12).

Usage: upload_sdk.py <sas-url> <file> [<sas-url> <file> ...]

Each file goes to its SAS URL the way Store tooling uploads (BlobClient.from_blob_url(url)
.upload_blob(data, overwrite=True)), with a 1 MiB single-put threshold and 256 KiB blocks, so
that files above 1 MiB exercise Put Block + Put Block List and smaller ones a single Put Blob.
The script then checks what the SDK itself reads back: the HEAD probe before the upload
(404 -> exists() is False), the content, the properties, the block list, and the 409 that
overwrite=False gets. It exits non-zero on the first difference.
"""

import hashlib
import sys

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobClient

SINGLE_PUT_LIMIT = 1024 * 1024
BLOCK_SIZE = 256 * 1024


def upload_one(url: str, path: str) -> None:
    with open(path, "rb") as f:
        data = f.read()
    # Transfer sizes are client settings in SDK v12, so they go to the client, not the call.
    client = BlobClient.from_blob_url(
        url, max_single_put_size=SINGLE_PUT_LIMIT, max_block_size=BLOCK_SIZE
    )
    name = client.blob_name

    if client.exists():
        raise SystemExit(f"{name}: exists() before any upload")

    single_put = len(data) <= SINGLE_PUT_LIMIT
    # Transactional MD5 on the single put exercises Content-MD5 verification.
    result = client.upload_blob(data, overwrite=True, validate_content=single_put)
    if not result.get("etag"):
        raise SystemExit(f"{name}: upload returned no etag: {result}")

    downloaded = client.download_blob().readall()
    if downloaded != data:
        raise SystemExit(f"{name}: downloaded {len(downloaded)} bytes differ from {len(data)} uploaded")

    props = client.get_blob_properties()
    if props.size != len(data):
        raise SystemExit(f"{name}: properties report size {props.size}, expected {len(data)}")

    committed, _ = client.get_block_list("committed")
    expected_blocks = 0 if single_put else -(-len(data) // BLOCK_SIZE)
    if len(committed) != expected_blocks:
        raise SystemExit(f"{name}: {len(committed)} committed blocks, expected {expected_blocks}")

    try:
        client.upload_blob(b"must not land", overwrite=False)
    except ResourceExistsError:
        pass
    else:
        raise SystemExit(f"{name}: overwrite=False replaced an existing blob")

    how = "single Put Blob" if single_put else f"{expected_blocks} blocks + Put Block List"
    print(f"{name}: {len(data)} bytes via {how}, md5 {hashlib.md5(data).hexdigest()}")


def main(argv: list) -> int:
    pairs = argv[1:]
    if not pairs or len(pairs) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    for url, path in zip(pairs[0::2], pairs[1::2]):
        upload_one(url, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
