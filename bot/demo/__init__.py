"""`treatybot demo`: a built-in replay of the Cybercrime Convention's story, run through the real
pipeline against a status page served on 127.0.0.1.

`story` (the dated steps, pure data; `hanoi` holds the real signatures it starts from), `page`
(the status page in the real page format), `site` (the loopback server), `runner` (the
simulated clock, the real check and delivery code, the progress output). Nothing here reaches
the network beyond 127.0.0.1 or touches the user's database unless asked to (`--db`).
"""
