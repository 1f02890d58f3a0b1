"""Fixed vocabulary the sandbox draws its made-up shops, products, buyers and couriers from."""

from __future__ import annotations

from typing import NamedTuple


class Category(NamedTuple):
    category_id: int
    tree: tuple[tuple[int, str, str], ...]
    """(id, name, url slug) from the root down to this leaf."""
    nouns: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category(
        1828,
        (
            (1759, "Fashion Pria", "fashion-pria"),
            (1787, "Celana", "celana"),
            (1828, "Celana Jeans", "celana-jeans"),
        ),
        ("Celana Jeans", "Jeans Slim Fit", "Celana Denim"),
    ),
    Category(
        1806,
        (
            (1759, "Fashion Pria", "fashion-pria"),
            (1760, "Atasan", "atasan"),
            (1806, "Kaos", "kaos"),
        ),
        ("Kaos Polos", "Kaos Oversize", "T-Shirt Katun"),
    ),
    Category(
        2946,
        (
            (2933, "Makanan & Minuman", "makanan-minuman"),
            (2941, "Makanan Ringan", "makanan-ringan"),
            (2946, "Keripik", "keripik"),
        ),
        ("Keripik Singkong", "Keripik Pisang", "Kerupuk Udang"),
    ),
    Category(
        2959,
        (
            (2933, "Makanan & Minuman", "makanan-minuman"),
            (2955, "Minuman", "minuman"),
            (2959, "Kopi", "kopi"),
        ),
        ("Kopi Bubuk", "Kopi Arabika", "Kopi Susu Botol"),
    ),
    Category(
        1122,
        (
            (1108, "Kantor & Alat Tulis", "kantor-alat-tulis"),
            (1117, "Alat Tulis", "alat-tulis"),
            (1122, "Pulpen", "pulpen"),
        ),
        ("Pulpen Gel", "Ballpoint Premium", "Spidol Warna"),
    ),
    Category(
        3626,
        (
            (3606, "Kecantikan", "kecantikan"),
            (3618, "Perawatan Wajah", "perawatan-wajah"),
            (3626, "Serum", "serum"),
        ),
        ("Serum Wajah", "Toner Hydrating", "Sunscreen SPF 50"),
    ),
    Category(
        984,
        ((983, "Rumah Tangga", "rumah-tangga"), (984, "Dapur", "dapur")),
        ("Wajan Anti Lengket", "Pisau Dapur", "Talenan Kayu"),
    ),
    Category(
        65,
        ((65, "Handphone & Tablet", "handphone-tablet"),),
        ("Casing HP", "Kabel Data USB-C", "Powerbank 10000mAh"),
    ),
)

BRANDS = (
    "Nusantara",
    "Merapi",
    "Sinar",
    "Cahaya",
    "Bintang",
    "Garuda",
    "Mentari",
    "Samudra",
    "Rimba",
    "Kencana",
)

VARIANT_AXES = (
    ("warna", "colour", ("Hitam", "Putih", "Merah", "Biru", "Hijau")),
    ("ukuran", "size", ("S", "M", "L", "XL")),
)

FIRST_NAMES = (
    "Agus",
    "Budi",
    "Citra",
    "Dewi",
    "Eka",
    "Fajar",
    "Gita",
    "Hendra",
    "Indah",
    "Joko",
    "Kartika",
    "Lestari",
    "Maya",
    "Nanda",
    "Putri",
    "Rizky",
    "Sari",
    "Tono",
    "Wulan",
    "Yusuf",
)
LAST_NAMES = (
    "Santoso",
    "Wijaya",
    "Saputra",
    "Pratama",
    "Hidayat",
    "Nugroho",
    "Kusuma",
    "Siregar",
    "Simanjuntak",
    "Halim",
    "Gunawan",
    "Setiawan",
    "Lubis",
    "Harahap",
    "Tanjung",
)


class Place(NamedTuple):
    district: str
    district_id: int
    city: str
    city_id: int
    province: str
    province_id: int
    postal_code: str
    geo: str


PLACES: tuple[Place, ...] = (
    Place(
        "Jagakarsa",
        2263,
        "Kota Administrasi Jakarta Selatan",
        175,
        "DKI Jakarta",
        13,
        "12620",
        "-6.3344,106.8236",
    ),
    Place(
        "Palmerah",
        2258,
        "Kota Administrasi Jakarta Barat",
        174,
        "DKI Jakarta",
        13,
        "11480",
        "-6.1904,106.7977",
    ),
    Place("Coblong", 1411, "Kota Bandung", 23, "Jawa Barat", 9, "40132", "-6.8915,107.6107"),
    Place("Tegalsari", 4362, "Kota Surabaya", 444, "Jawa Timur", 11, "60262", "-7.2717,112.7380"),
    Place("Medan Baru", 3851, "Kota Medan", 278, "Sumatera Utara", 34, "20154", "3.5756,98.6551"),
    Place("Denpasar Barat", 1044, "Kota Denpasar", 114, "Bali", 1, "80119", "-8.6541,115.2010"),
    Place(
        "Gondokusuman",
        5496,
        "Kota Yogyakarta",
        501,
        "DI Yogyakarta",
        5,
        "55223",
        "-7.7844,110.3800",
    ),
    Place(
        "Makassar", 3522, "Kota Makassar", 254, "Sulawesi Selatan", 28, "90111", "-5.1415,119.4175"
    ),
)

STREETS = (
    "Jl. Merdeka",
    "Jl. Sudirman",
    "Jl. Diponegoro",
    "Jl. Gatot Subroto",
    "Jl. Ahmad Yani",
    "Jl. Pahlawan",
)


class Courier(NamedTuple):
    shipper_id: int
    shipper_name: str
    code: str
    services: tuple[tuple[int, str, str], ...]
    """(service_id, name, description)."""


COURIERS: tuple[Courier, ...] = (
    Courier(
        1, "JNE", "jne", ((1, "Reguler", "Pengiriman reguler 2-3 hari"), (6, "YES", "Sampai besok"))
    ),
    Courier(2, "TIKI", "tiki", ((3, "Reguler", "Pengiriman reguler hingga 7 hari kerja"),)),
    Courier(
        11,
        "SiCepat",
        "sicepat",
        ((44, "REG", "Reguler 1-2 hari"), (33, "BEST", "Besok sampai tujuan")),
    ),
    Courier(14, "J&T", "jnt", ((27, "Reguler", "Layanan ekspres reguler"),)),
    Courier(
        10,
        "GO-JEK",
        "gojek",
        ((28, "Instant Courier", "Sampai dalam 3 jam"), (20, "Same Day", "Sampai hari ini")),
    ),
    Courier(
        23,
        "AnterAja",
        "anteraja",
        ((45, "Reguler", "Pengiriman reguler"), (46, "Next Day", "Sampai besok")),
    ),
)

SHOWCASE_NAMES = (
    "Produk Terbaru",
    "Best Seller",
    "Promo Spesial",
    "Koleksi Premium",
    "Diskon Akhir Bulan",
)
