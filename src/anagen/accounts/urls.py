from django.urls import path

from anagen.accounts import views, views_staff

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("account/", views.account, name="account"),
    path("account/password/", views.password_change_view, name="password_change"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/enrol/", views.two_factor_enrol, name="two_factor_enrol"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("staff/", views_staff.staff_list_view, name="staff_list"),
    path("staff/new/", views_staff.staff_new, name="staff_new"),
    path("staff/<int:membership_id>/", views_staff.staff_edit, name="staff_edit"),
    path("staff/security/", views_staff.security_settings, name="security_settings"),
]
