from django.urls import URLPattern, path

from anagen.inventory import views, views_recall

urlpatterns: list[URLPattern] = [
    path("inventory/", views.inventory, name="inventory"),
    path("inventory/products/new/", views.product_new, name="product_new"),
    path("inventory/products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("inventory/products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path(
        "inventory/products/<int:product_id>/policy/", views.product_policy, name="product_policy"
    ),
    path("inventory/receive/", views.lot_receive, name="lot_receive"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot_detail"),
    path("lots/<int:lot_id>/adjust/", views.lot_adjust, name="lot_adjust"),
    path("lots/<int:lot_id>/status/", views.lot_status, name="lot_status"),
    path("lots/<int:lot_id>/recall/", views_recall.lot_recall, name="lot_recall"),
    path("lots/<int:lot_id>/recall.csv", views_recall.lot_recall_csv, name="lot_recall_csv"),
    path("lots/<int:lot_id>/recall.pdf", views_recall.lot_recall_pdf, name="lot_recall_pdf"),
]
