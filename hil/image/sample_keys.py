"""MCUboot's public sample keys (sdk-mcuboot v2.0.99-ncs1 ``root-*.pem``): the public bytes
MCUboot embeds for each. NCS v2.6.0 signs with one of them when a build configures no key of its
own; their private halves are published, so anyone can sign an image they accept.
"""

SAMPLE_PUBLIC_KEYS: dict[str, bytes] = {
    "root-ec-p256.pem": bytes.fromhex(
        "3059301306072a8648ce3d020106082a8648ce3d030107034200042acb403ce8feed5ba44995a1a91dae"
        "e8dbbe1937cd14fb2f245737e5953988d994b9d65aebd7cdd5308ad6fe48b24a6a810ee5f07d8b6834cc"
        "3a6afc538efac1"
    ),
    "root-ed25519.pem": bytes.fromhex(
        "302a300506032b6570032100d4b31ba49a3add3f825d10ca7f31b50b0de87f37ccc49f1a403a5c1320ffb4e0"
    ),
    "root-rsa-2048.pem": bytes.fromhex(
        "3082010a0282010100d106081a18442c18e8fbfdf70da34f1fbbee5ef9aad24b18d35ae96d188019f9f0"
        "9c341bcbf3bc74db42e78c7f10537e435e0d572c44d167080f0dbb5ceeecb399dfe04d840baa774160ed"
        "152849a701b43c10e6698c2f5fac414d9e5c14dff2f8cf3d1e6fe75bbab4a9c8887e473c94c37767544b"
        "aa8d3835ca62617eb7e115db7773d4be7b7221896924fbf8656e643ec80ed785d55c4ae4530d2fffb7fd"
        "f31339833fa3aed20fa76a9df9feb8cefa2abeafb8e0fa823754f43ee12bd0d3085818f65e4cc8888131"
        "ad5fb08217f28a692723f3ab873e931a1dfee8f81a246659f81cabdcce681b666435ecfa0d119daf5c3a"
        "a7d167c647efb14b2c62e1d1c90203010001"
    ),
}
