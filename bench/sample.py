"""Picks what the scale test reads, through the API (so it works on every backend).

  python3 bench/sample.py BASE TOKEN APPS COUNT PAGES.txt SUBMISSIONS.txt

Writes COUNT URLs of random pages of `GET applications` (top=10, skip uniform over the
APPS apps) to PAGES.txt, and the URLs of the published and pending submissions of COUNT
random apps to SUBMISSIONS.txt, one per line, for `oha --urls-from-file`.
"""

import json
import random
import sys
import urllib.request


def get(url, token):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def main():
    base, token, apps, count, pages_path, submissions_path = sys.argv[1:7]
    apps, count = int(apps), int(count)
    rng = random.Random(6)
    api = f"{base}/v1.0/my/applications"
    with open(pages_path, "w") as pages:
        for _ in range(count):
            pages.write(f"{api}?skip={rng.randrange(max(apps - 10, 1))}&top=10\n")
    with open(submissions_path, "w") as out:
        for _ in range(count):
            page = get(f"{api}?skip={rng.randrange(apps)}&top=1", token)
            for app in page["value"]:
                for slot in ("lastPublishedApplicationSubmission", "pendingApplicationSubmission"):
                    if app.get(slot):
                        out.write(f"{api}/{app['id']}/submissions/{app[slot]['id']}\n")


if __name__ == "__main__":
    main()
