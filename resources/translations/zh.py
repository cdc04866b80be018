"""Chinese for every string the desktop app shows: English source text -> 简体中文.

update.py writes these into orderbell_zh.ts and compiles orderbell_zh.qm. Keep Qt's place
markers (%1, %2, %n) in the translation. Use BY_CONTEXT only when one English text needs
different Chinese in different places. Status names follow Sky Take-out (苍穹外卖).
"""

from __future__ import annotations

TRANSLATIONS: dict[str, str] = {
    # Shared buttons and words
    "Accept": "接单",
    "Reject…": "拒单…",
    "Cancel": "取消",
    "Close": "关闭",
    "OK": "知道了",
    "Later": "稍后",
    "Save": "保存",
    "Show": "显示",
    "Refresh": "刷新",
    "Order": "订单",
    "Orders": "订单",
    "Amount": "金额",
    "Remark": "备注",
    "Status": "状态",
    "Time": "时间",
    "OrderBell": "来单铃",
    # AlertCard
    "New order": "新订单",
    "Customer is waiting — reminder ×%1": "顾客催单 — 已催 %1 次",
    "Order ending %1": "尾号 %1",
    "Order ending": "尾号",
    "Remark: %1": "备注：%1",
    "… and %1 more": "…… 还有 %1 项",
    "The whole remark is in the Orders window.": "备注未显示完，完整内容见订单窗口。",
    "#%1": "%1号",
    "Phone ending %1": "手机尾号 %1",
    "Address: %1": "地址：%1",
    "#%1 · %2": "%1号 · 尾号 %2",
    "Reply…": "回复…",
    "Replied: %1": "已回复：%1",
    # ReplyDialog: a preset's Chinese is the words the customer reads
    "Being prepared": "已在制作",
    "Ready in a moment": "马上出餐",
    "The rider has it": "骑手已取餐",
    "Reply to customer": "回复顾客",
    "Answer the customer of order %1:": "回复订单 %1 的顾客：",
    "Or type a short reply": "或输入一句回复",
    "Send": "发送",
    # OverflowCard
    "%1 more orders waiting": "还有 %1 单待接",
    "Ending %1": "尾号 %1",
    "Open orders →": "打开订单 →",
    # OrderDetails
    "Number of the day: #%1": "今日单号：%1号",
    "Order #%1 · ending %2": "%1号订单 · 尾号 %2",
    "Order number: %1": "订单号：%1",
    "Status: %1": "状态：%1",
    "Paid at: %1": "付款时间：%1",
    "Amount: %1": "金额：%1",
    "Items:": "菜品：",
    "Remark:": "备注：",
    "Copy the whole remark": "复制完整备注",
    "The remark is longer than the %1 lines shown here; copy it to read it all.": (
        "备注超过这里显示的 %1 行；复制后可阅读全部内容。"
    ),
    # NoticeCard
    "Open settings": "打开设置",
    "Reconnect now": "立即重新连接",
    # OrderText
    "paid just now": "刚刚付款",
    "paid %1 min ago": "%1 分钟前付款",
    "paid %1 h %2 min ago": "%1 小时 %2 分钟前付款",
    "paid %1 days ago": "%1 天前付款",
    "paid %1": "%1 付款",
    "Rejected: %1": "已拒单：%1",
    "Cancelled, refunded": "已取消，已退款",
    "%1, %2 refunded": "%1，已退款 %2",
    "Cancelled": "已取消",
    "Accepted": "已接单",
    "Out for delivery": "派送中",
    "Completed": "已完成",
    "Waiting to be accepted": "待接单",
    "Not paid": "待付款",
    # OrderText: the Orders window's line of today's figures
    "Today %1 orders · median time to accept %2 · reminders %3 · over 5 min %4": (
        "今日 %1 单 · 接单中位 %2 · 催单 %3 · 超 5 分钟 %4"
    ),
    "%1 s": "%1 秒",
    "none yet": "暂无",
    # OrdersWindow
    "OrderBell — Orders": "来单铃 — 订单",
    "No orders are waiting.": "没有待接的订单。",
    "No orders handled today yet.": "今天还没有处理过订单。",
    "Paid at": "付款时间",
    "Items": "菜品",
    "Reminders": "催单",
    "Waiting to be accepted (%1)": "待接单（%1）",
    "Handled today (%1)": "今日已处理（%1）",
    "Counters online in this shop: %1": "本店在线收银台：%1",
    "Double-click the order to read it all.": "双击该订单可查看全部内容。",
    # RejectDialog: a preset reason's Chinese is the Sky Take-out reason text itself
    "Reject order": "拒单",
    "Why reject order ending %1?": "为什么拒绝尾号 %1 的订单？",
    "Other reason:": "其他原因：",
    "The reason the customer will see": "顾客会看到的原因",
    "Too many orders right now": "订单量较多，暂时无法接单",
    "Dishes sold out": "菜品已销售完，暂时无法接单",
    "Restaurant closed": "餐厅已打烊，暂时无法接单",
    # ServerAddress (desktop/config.py)
    "Enter the server address, for example http://192.168.1.10:8000.": (
        "请输入服务器地址，例如 http://192.168.1.10:8000。"
    ),
    "The server address must not contain spaces.": "服务器地址不能包含空格。",
    "The server address must start with http:// or https://.": (
        "服务器地址必须以 http:// 或 https:// 开头。"
    ),
    "The server address must not contain a user name or password.": (
        "服务器地址不能包含用户名或密码。"
    ),
    "The server address must not contain a '?' or '#' part.": (
        "服务器地址不能包含“?”或“#”及其后的部分。"
    ),
    "The server address has no host name.": "服务器地址缺少主机名。",
    "The host name in the server address is not valid.": "服务器地址中的主机名无效。",
    "The port in the server address must be a number from 1 to 65535.": (
        "服务器地址中的端口必须是 1 到 65535 之间的数字。"
    ),
    # SettingsDialog
    "OrderBell settings": "来单铃设置",
    "Server address": "服务器地址",
    "Device token": "设备令牌",
    "Language": "语言",
    "Voice": "语音",
    "Speech rate": "语速",
    "Volume": "音量",
    "Repeat alerts every": "提醒重复间隔",
    "Alarm when disconnected for": "断线多久后报警",
    " s": " 秒",
    "Start OrderBell when I log in": "登录系统时自动启动来单铃",
    "Test voice": "试听语音",
    "Automatic (system language)": "自动（跟随系统语言）",
    "Automatic (by language)": "自动（按语言选择）",
    "%1 (not available)": "%1（不可用）",
    "Custom (%1 words/min)": "自定义（每分钟 %1 字）",
    "Slow": "慢",
    "Normal": "正常",
    "Fast": "快",
    "Will connect to %1": "将连接 %1",
    "Test connection": "测试连接",
    "Testing…": "正在测试…",
    "Token rejected": "令牌错误",
    "Cannot connect": "连不上",
    "Enter the device token first": "请先输入设备令牌",
    "Recommended: after a restart this PC rings again without anyone starting OrderBell.": (
        "建议勾选：电脑重启后，无需有人手动打开来单铃，也会照常提醒。"
    ),
    # QuitConfirmation
    "Quit OrderBell?": "退出来单铃？",
    "%1 orders are still waiting to be accepted.": "还有 %1 单待接。",
    "Once OrderBell quits, this PC no longer rings for new orders or reminders.": (
        "退出后，这台电脑不再提醒新订单和催单。"
    ),
    "Quit OrderBell": "退出来单铃",
    "Keep taking orders": "继续接单",
    "Ring": "响铃方式",
    "Ring a chime before each announcement": "播报前先响提示音",
    "Chime and speech at each alert": "每次提醒：提示音加语音播报",
    "Ring until the order is handled": "持续响铃，直到接单",
    # Tray
    "Unmute": "取消静音",
    "Test alert": "测试提醒",
    "Settings…": "设置…",
    "Reconnect": "重新连接",
    "Quit": "退出",
    "Mute": "静音",
    "%1 minutes": "%1 分钟",
    "Connected": "已连接",
    "Disconnected": "已断开",
    "Orders waiting: %1": "待接订单：%1",
    "Muted until %1": "静音至 %1",
    "Muted": "已静音",
    "No sound output": "电脑没有声音输出",
    # App (desktop/app.py, desktop/counter.py): link states, notices
    "Connecting…": "正在连接…",
    "Disconnected, retrying": "连接已断开，正在重试",
    "Device token rejected": "设备令牌被拒绝",
    "Device token not saved": "设备令牌未保存",
    "Device token kept in a file": "设备令牌保存在文件中",
    "This PC has no system keyring, so the device token is kept in %1, which only your user "
    "account can read.": "这台电脑没有系统密钥环，设备令牌保存在 %1，只有你的用户账户能读取。",
    "Not connected to a server": "未连接到服务器",
    "The server refused this PC's device token: enter a valid one in Settings.": (
        "服务器拒绝了本机的设备令牌：请在设置中输入有效的设备令牌。"
    ),
    "Server address unusable": "服务器地址无法使用",
    "Speech does not work on this PC.": "这台电脑上的语音播报无法使用。",
    "The server cannot be reached.": "连不上服务器。",
    "The server does not accept this PC's device token.": "服务器不接受本机的设备令牌。",
    "There is no system tray: alert cards still appear.": "没有系统托盘：提醒卡片照常显示。",
    "A self-check failed; the log says which.": "有一项自检未通过，详情见日志。",
    "This PC could not store the device token; OrderBell uses it until it quits. "
    "The log says why.": "本机无法保存设备令牌；来单铃退出前仍会使用它。原因见日志。",
    "%1 min": "%1 分钟",
    "%1 h %2 min": "%1 小时 %2 分钟",
    "Order alerts disconnected": "订单提醒已断开",
    "OrderBell is connected and taking orders": "来单铃已连接，正在接单",
    "The link to the server has been down for %1: no new order can arrive. "
    "OrderBell keeps trying; check the network.": (
        "与服务器的连接已断开 %1，新订单无法送达。来单铃一直在重试，请检查网络。"
    ),
    # ServerErrors (desktop/net): what went wrong talking to the server
    "The server rejected this PC's device token. Open Settings and enter a valid device token.": (
        "服务器拒绝了本机的设备令牌。请打开设置，输入有效的设备令牌。"
    ),
    "Order %1 does not exist in this shop.": "本店没有编号为 %1 的订单。",
    "Order ending %1 was already handled, probably at another counter.": (
        "尾号 %1 的订单已被处理，可能是在另一台收银台上。"
    ),
    "The device token contains characters no token has. Enter it again in Settings.": (
        "设备令牌里有令牌不会有的字符。请在设置中重新输入。"
    ),
    "The server address %1 is not valid. Check it in Settings.": (
        "服务器地址 %1 无效。请在设置中检查。"
    ),
    "The server at %1 did not answer within %2 s. Check the network; OrderBell keeps trying.": (
        "服务器 %1 在 %2 秒内没有应答。请检查网络；来单铃会一直重试。"
    ),
    "Cannot reach the server at %1. Check the network and the server address in Settings.": (
        "连不上服务器 %1。请检查网络，以及设置中的服务器地址。"
    ),
    "The server at %1 has a problem (HTTP %2). Try again in a moment.": (
        "服务器 %1 出了问题（HTTP %2）。请稍后再试。"
    ),
    "The server refused the request (HTTP %1).": "服务器拒绝了这个请求（HTTP %1）。",
    "%1 answered HTTP %2 where an OrderBell server would not. "
    "Check the server address in Settings.": (
        "%1 的应答是 HTTP %2，来单铃服务器不会这样应答。请检查设置中的服务器地址。"
    ),
    "The server at %1 answered something OrderBell does not understand. "
    "Check the server address, or update OrderBell.": (
        "服务器 %1 的应答来单铃无法理解。请检查服务器地址，或升级来单铃。"
    ),
    "Self-check found problems": "自检发现问题",
    "Alerts cannot be heard. Check that the speakers are on, plugged in and not muted. New "
    "orders still show on screen.": (
        "提醒声音播放不出来。请检查音箱是否打开、插好、没有静音。新订单仍会显示在屏幕上。"
    ),
    "Playing…": "正在播放…",
    "Playback failed: check the speakers and the volume.": "播放失败：请检查音箱和音量。",
    # PrinterAddress (desktop/printing/uri.py)
    "Enter the printer address, for example tcp://192.168.1.50:9100.": (
        "请输入打印机地址，例如 tcp://192.168.1.50:9100。"
    ),
    "The printer address is too long.": "打印机地址太长。",
    "The printer address must not contain control characters.": "打印机地址不能包含控制字符。",
    "Unknown printer address: use tcp://, usb://, serial://, file:// or win32://.": (
        "无法识别的打印机地址：请以 tcp://、usb://、serial://、file:// 或 win32:// 开头。"
    ),
    "A network printer address must not contain spaces.": "网络打印机地址不能包含空格。",
    "A network printer address is tcp://HOST or tcp://HOST:PORT, nothing more.": (
        "网络打印机地址的格式是 tcp://主机 或 tcp://主机:端口，不能有其他内容。"
    ),
    "The printer's host name or IP address is not valid.": "打印机的主机名或 IP 地址无效。",
    "The printer's port must be a number from 1 to 65535.": (
        "打印机端口必须是 1 到 65535 之间的数字。"
    ),
    "A USB printer address is usb://VID:PID with the two hexadecimal ids lsusb shows, "
    "for example usb://0416:5011.": (
        "USB 打印机地址的格式是 usb://VID:PID，两个十六进制编号可用 lsusb 查看，"
        "例如 usb://0416:5011。"
    ),
    "USB vendor and product ids are never 0000.": "USB 厂商编号和产品编号不能是 0000。",
    "A USB endpoint (in_ep, out_ep) is a hexadecimal byte, for example 0x81.": (
        "USB 端点（in_ep、out_ep）是一个十六进制字节，例如 0x81。"
    ),
    "A serial printer address names its port: serial:///dev/ttyUSB0 or serial://COM3.": (
        "串口打印机地址须写明端口：serial:///dev/ttyUSB0 或 serial://COM3。"
    ),
    "The baud rate must be one of 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200.": (
        "波特率必须是 1200、2400、4800、9600、19200、38400、57600 或 115200 之一。"
    ),
    "A printer device address must not contain a '?' or '#' part.": (
        "打印机设备地址不能包含“?”或“#”部分。"
    ),
    "A printer device address is a full path, for example file:///dev/usb/lp0.": (
        "打印机设备地址须是完整路径，例如 file:///dev/usb/lp0。"
    ),
    "A Windows printer address names the printer as Windows shows it, "
    "for example win32://POS-80C.": (
        "Windows 打印机地址须写打印机在 Windows 中显示的名称，例如 win32://POS-80C。"
    ),
    "The printer address has an option it does not know (serial:// takes baudrate, "
    "usb:// takes in_ep and out_ep).": (
        "打印机地址含有无法识别的选项（serial:// 可用 baudrate，usb:// 可用 in_ep 和 out_ep）。"
    ),
    # Printing (desktop/counter.py, desktop/ui/printer_settings.py)
    "Printer connection failed": "打印机连接失败",
    "Printer is out of paper": "打印机缺纸",
    "Kitchen tickets wait and print by themselves, in order, once the printer is back.": (
        "后厨小票会保留，打印机恢复后按顺序自动补打。"
    ),
    "No kitchen printer is set up (Settings).": "尚未设置后厨打印机（请在设置中设置）。",
    "Ticket not printed": "小票未打印",
    "A kitchen ticket could not be saved for printing: check the disk.": (
        "后厨小票无法保存待打印：请检查磁盘。"
    ),
    "Print ticket": "打印小票",
    "Kitchen printer": "后厨打印机",
    "Printer": "打印机",
    "Print tickets": "打印小票时机",
    "Copies": "份数",
    "Paper": "纸宽",
    "Printer text": "打印机文字",
    "Ticket title": "小票标题",
    "e.g. tcp://192.168.1.50:9100 (empty: no printing)": (
        "例如 tcp://192.168.1.50:9100（留空则不打印）"
    ),
    "e.g. the shop's name": "例如店名",
    "When the order is accepted": "接单时",
    "When the order arrives": "来单时",
    "Never": "不打印",
    "Chinese (GB18030)": "中文（GB18030）",
    "Plain ASCII (no Chinese fonts)": "纯英文 ASCII（打印机无中文字库）",
    "Accept every paid order on this PC at once": "本机自动接单（收到支付订单立即接单）",
    "Print test ticket": "打印测试小票",
    "Printing a test ticket…": "正在打印测试小票…",
    "The test ticket was sent.": "测试小票已发送到打印机。",
}

BY_CONTEXT: dict[tuple[str, str], str] = {
    ("OrderDetails", "Order ending %1"): "订单 · 尾号 %1",
}
