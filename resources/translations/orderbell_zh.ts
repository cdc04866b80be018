<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
    <context>
        <name>AlertCard</name>
        <message>
            <source>Customer is waiting — reminder ×%1</source>
            <translation>顾客催单 — 已催 %1 次</translation>
        </message>
        <message>
            <source>New order</source>
            <translation>新订单</translation>
        </message>
        <message>
            <source>Remark: %1</source>
            <translation>备注：%1</translation>
        </message>
        <message>
            <source>Accept</source>
            <translation>接单</translation>
        </message>
        <message>
            <source>Reject…</source>
            <translation>拒单…</translation>
        </message>
        <message>
            <source>Later</source>
            <translation>稍后</translation>
        </message>
        <message>
            <source>OK</source>
            <translation>知道了</translation>
        </message>
        <message>
            <source>Replied: %1</source>
            <translation>已回复：%1</translation>
        </message>
        <message>
            <source>#%1</source>
            <translation>%1号</translation>
        </message>
        <message>
            <source>Order ending</source>
            <translation>尾号</translation>
        </message>
        <message>
            <source>Phone ending %1</source>
            <translation>手机尾号 %1</translation>
        </message>
        <message>
            <source>Reply…</source>
            <translation>回复…</translation>
        </message>
        <message>
            <source>Address: %1</source>
            <translation>地址：%1</translation>
        </message>
        <message>
            <source>The whole remark is in the Orders window.</source>
            <translation>备注未显示完，完整内容见订单窗口。</translation>
        </message>
        <message>
            <source>… and %1 more</source>
            <translation>…… 还有 %1 项</translation>
        </message>
    </context>
    <context>
        <name>App</name>
        <message>
            <source>Speech does not work on this PC.</source>
            <translation>这台电脑上的语音播报无法使用。</translation>
        </message>
        <message>
            <source>The server cannot be reached.</source>
            <translation>连不上服务器。</translation>
        </message>
        <message>
            <source>The server does not accept this PC's device token.</source>
            <translation>服务器不接受本机的设备令牌。</translation>
        </message>
        <message>
            <source>There is no system tray: alert cards still appear.</source>
            <translation>没有系统托盘：提醒卡片照常显示。</translation>
        </message>
        <message>
            <source>Playing…</source>
            <translation>正在播放…</translation>
        </message>
        <message>
            <source>Playback failed: check the speakers and the volume.</source>
            <translation>播放失败：请检查音箱和音量。</translation>
        </message>
        <message>
            <source>A self-check failed; the log says which.</source>
            <translation>有一项自检未通过，详情见日志。</translation>
        </message>
        <message>
            <source>Connecting…</source>
            <translation>正在连接…</translation>
        </message>
        <message>
            <source>Connected</source>
            <translation>已连接</translation>
        </message>
        <message>
            <source>Disconnected, retrying</source>
            <translation>连接已断开，正在重试</translation>
        </message>
        <message>
            <source>Device token rejected</source>
            <translation>设备令牌被拒绝</translation>
        </message>
        <message>
            <source>Server address unusable</source>
            <translation>服务器地址无法使用</translation>
        </message>
        <message>
            <source>Device token not saved</source>
            <translation>设备令牌未保存</translation>
        </message>
        <message>
            <source>This PC could not store the device token; OrderBell uses it until it quits. The log says why.</source>
            <translation>本机无法保存设备令牌；来单铃退出前仍会使用它。原因见日志。</translation>
        </message>
        <message>
            <source>Device token kept in a file</source>
            <translation>设备令牌保存在文件中</translation>
        </message>
        <message>
            <source>This PC has no system keyring, so the device token is kept in %1, which only your user account can read.</source>
            <translation>这台电脑没有系统密钥环，设备令牌保存在 %1，只有你的用户账户能读取。</translation>
        </message>
        <message>
            <source>Self-check found problems</source>
            <translation>自检发现问题</translation>
        </message>
        <message>
            <source>OrderBell is connected and taking orders</source>
            <translation>来单铃已连接，正在接单</translation>
        </message>
        <message>
            <source>Printer connection failed</source>
            <translation>打印机连接失败</translation>
        </message>
        <message>
            <source>Printer is out of paper</source>
            <translation>打印机缺纸</translation>
        </message>
        <message>
            <source>Kitchen tickets wait and print by themselves, in order, once the printer is back.</source>
            <translation>后厨小票会保留，打印机恢复后按顺序自动补打。</translation>
        </message>
        <message>
            <source>%1 min</source>
            <translation>%1 分钟</translation>
        </message>
        <message>
            <source>%1 h %2 min</source>
            <translation>%1 小时 %2 分钟</translation>
        </message>
        <message>
            <source>The server refused this PC's device token: enter a valid one in Settings.</source>
            <translation>服务器拒绝了本机的设备令牌：请在设置中输入有效的设备令牌。</translation>
        </message>
        <message>
            <source>No sound output</source>
            <translation>电脑没有声音输出</translation>
        </message>
        <message>
            <source>Alerts cannot be heard. Check that the speakers are on, plugged in and not muted. New orders still show on screen.</source>
            <translation>提醒声音播放不出来。请检查音箱是否打开、插好、没有静音。新订单仍会显示在屏幕上。</translation>
        </message>
        <message>
            <source>No kitchen printer is set up (Settings).</source>
            <translation>尚未设置后厨打印机（请在设置中设置）。</translation>
        </message>
        <message>
            <source>Not connected to a server</source>
            <translation>未连接到服务器</translation>
        </message>
        <message>
            <source>Ticket not printed</source>
            <translation>小票未打印</translation>
        </message>
        <message>
            <source>A kitchen ticket could not be saved for printing: check the disk.</source>
            <translation>后厨小票无法保存待打印：请检查磁盘。</translation>
        </message>
        <message>
            <source>Order alerts disconnected</source>
            <translation>订单提醒已断开</translation>
        </message>
        <message>
            <source>The link to the server has been down for %1: no new order can arrive. OrderBell keeps trying; check the network.</source>
            <translation>与服务器的连接已断开 %1，新订单无法送达。来单铃一直在重试，请检查网络。</translation>
        </message>
    </context>
    <context>
        <name>NoticeCard</name>
        <message>
            <source>Open settings</source>
            <translation>打开设置</translation>
        </message>
        <message>
            <source>Reconnect now</source>
            <translation>立即重新连接</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>关闭</translation>
        </message>
    </context>
    <context>
        <name>OrderDetails</name>
        <message>
            <source>Copy the whole remark</source>
            <translation>复制完整备注</translation>
        </message>
        <message>
            <source>The remark is longer than the %1 lines shown here; copy it to read it all.</source>
            <translation>备注超过这里显示的 %1 行；复制后可阅读全部内容。</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Order ending %1</source>
            <translation>订单 · 尾号 %1</translation>
        </message>
        <message>
            <source>Order #%1 · ending %2</source>
            <translation>%1号订单 · 尾号 %2</translation>
        </message>
        <message>
            <source>Number of the day: #%1</source>
            <translation>今日单号：%1号</translation>
        </message>
        <message>
            <source>Order number: %1</source>
            <translation>订单号：%1</translation>
        </message>
        <message>
            <source>Status: %1</source>
            <translation>状态：%1</translation>
        </message>
        <message>
            <source>Paid at: %1</source>
            <translation>付款时间：%1</translation>
        </message>
        <message>
            <source>Amount: %1</source>
            <translation>金额：%1</translation>
        </message>
        <message>
            <source>Items:</source>
            <translation>菜品：</translation>
        </message>
        <message>
            <source>Remark:</source>
            <translation>备注：</translation>
        </message>
    </context>
    <context>
        <name>OrderText</name>
        <message>
            <source>paid %1</source>
            <translation>%1 付款</translation>
        </message>
        <message>
            <source>paid just now</source>
            <translation>刚刚付款</translation>
        </message>
        <message>
            <source>paid %1 min ago</source>
            <translation>%1 分钟前付款</translation>
        </message>
        <message>
            <source>paid %1 h %2 min ago</source>
            <translation>%1 小时 %2 分钟前付款</translation>
        </message>
        <message>
            <source>paid %1 days ago</source>
            <translation>%1 天前付款</translation>
        </message>
        <message>
            <source>%1, %2 refunded</source>
            <translation>%1，已退款 %2</translation>
        </message>
        <message>
            <source>Rejected: %1</source>
            <translation>已拒单：%1</translation>
        </message>
        <message>
            <source>Cancelled, refunded</source>
            <translation>已取消，已退款</translation>
        </message>
        <message>
            <source>Cancelled</source>
            <translation>已取消</translation>
        </message>
        <message>
            <source>Accepted</source>
            <translation>已接单</translation>
        </message>
        <message>
            <source>Out for delivery</source>
            <translation>派送中</translation>
        </message>
        <message>
            <source>Completed</source>
            <translation>已完成</translation>
        </message>
        <message>
            <source>Waiting to be accepted</source>
            <translation>待接单</translation>
        </message>
        <message>
            <source>Not paid</source>
            <translation>待付款</translation>
        </message>
        <message>
            <source>none yet</source>
            <translation>暂无</translation>
        </message>
        <message>
            <source>%1 s</source>
            <translation>%1 秒</translation>
        </message>
        <message>
            <source>Today %1 orders · median time to accept %2 · reminders %3 · over 5 min %4</source>
            <translation>今日 %1 单 · 接单中位 %2 · 催单 %3 · 超 5 分钟 %4</translation>
        </message>
    </context>
    <context>
        <name>OrdersWindow</name>
        <message>
            <source>OrderBell — Orders</source>
            <translation>来单铃 — 订单</translation>
        </message>
        <message>
            <source>Refresh</source>
            <translation>刷新</translation>
        </message>
        <message>
            <source>No orders are waiting.</source>
            <translation>没有待接的订单。</translation>
        </message>
        <message>
            <source>No orders handled today yet.</source>
            <translation>今天还没有处理过订单。</translation>
        </message>
        <message>
            <source>Order</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Paid at</source>
            <translation>付款时间</translation>
        </message>
        <message>
            <source>Items</source>
            <translation>菜品</translation>
        </message>
        <message>
            <source>Amount</source>
            <translation>金额</translation>
        </message>
        <message>
            <source>Remark</source>
            <translation>备注</translation>
        </message>
        <message>
            <source>Reminders</source>
            <translation>催单</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>状态</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>时间</translation>
        </message>
        <message>
            <source>Counters online in this shop: %1</source>
            <translation>本店在线收银台：%1</translation>
        </message>
        <message>
            <source>Waiting to be accepted (%1)</source>
            <translation>待接单（%1）</translation>
        </message>
        <message>
            <source>Handled today (%1)</source>
            <translation>今日已处理（%1）</translation>
        </message>
        <message>
            <source>Accept</source>
            <translation>接单</translation>
        </message>
        <message>
            <source>Reject…</source>
            <translation>拒单…</translation>
        </message>
        <message>
            <source>Print ticket</source>
            <translation>打印小票</translation>
        </message>
        <message>
            <source>#%1 · %2</source>
            <translation>%1号 · 尾号 %2</translation>
        </message>
        <message>
            <source>Double-click the order to read it all.</source>
            <translation>双击该订单可查看全部内容。</translation>
        </message>
    </context>
    <context>
        <name>OverflowCard</name>
        <message>
            <source>Open orders →</source>
            <translation>打开订单 →</translation>
        </message>
        <message>
            <source>%1 more orders waiting</source>
            <translation>还有 %1 单待接</translation>
        </message>
        <message>
            <source>Ending %1</source>
            <translation>尾号 %1</translation>
        </message>
    </context>
    <context>
        <name>PrinterAddress</name>
        <message>
            <source>Enter the printer address, for example tcp://192.168.1.50:9100.</source>
            <translation>请输入打印机地址，例如 tcp://192.168.1.50:9100。</translation>
        </message>
        <message>
            <source>The printer address is too long.</source>
            <translation>打印机地址太长。</translation>
        </message>
        <message>
            <source>The printer address must not contain control characters.</source>
            <translation>打印机地址不能包含控制字符。</translation>
        </message>
        <message>
            <source>Unknown printer address: use tcp://, usb://, serial://, file:// or win32://.</source>
            <translation>无法识别的打印机地址：请以 tcp://、usb://、serial://、file:// 或 win32:// 开头。</translation>
        </message>
        <message>
            <source>A network printer address must not contain spaces.</source>
            <translation>网络打印机地址不能包含空格。</translation>
        </message>
        <message>
            <source>A network printer address is tcp://HOST or tcp://HOST:PORT, nothing more.</source>
            <translation>网络打印机地址的格式是 tcp://主机 或 tcp://主机:端口，不能有其他内容。</translation>
        </message>
        <message>
            <source>The printer's host name or IP address is not valid.</source>
            <translation>打印机的主机名或 IP 地址无效。</translation>
        </message>
        <message>
            <source>The printer's port must be a number from 1 to 65535.</source>
            <translation>打印机端口必须是 1 到 65535 之间的数字。</translation>
        </message>
        <message>
            <source>A USB printer address is usb://VID:PID with the two hexadecimal ids lsusb shows, for example usb://0416:5011.</source>
            <translation>USB 打印机地址的格式是 usb://VID:PID，两个十六进制编号可用 lsusb 查看，例如 usb://0416:5011。</translation>
        </message>
        <message>
            <source>USB vendor and product ids are never 0000.</source>
            <translation>USB 厂商编号和产品编号不能是 0000。</translation>
        </message>
        <message>
            <source>A USB endpoint (in_ep, out_ep) is a hexadecimal byte, for example 0x81.</source>
            <translation>USB 端点（in_ep、out_ep）是一个十六进制字节，例如 0x81。</translation>
        </message>
        <message>
            <source>A serial printer address names its port: serial:///dev/ttyUSB0 or serial://COM3.</source>
            <translation>串口打印机地址须写明端口：serial:///dev/ttyUSB0 或 serial://COM3。</translation>
        </message>
        <message>
            <source>The baud rate must be one of 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200.</source>
            <translation>波特率必须是 1200、2400、4800、9600、19200、38400、57600 或 115200 之一。</translation>
        </message>
        <message>
            <source>A printer device address must not contain a '?' or '#' part.</source>
            <translation>打印机设备地址不能包含“?”或“#”部分。</translation>
        </message>
        <message>
            <source>A printer device address is a full path, for example file:///dev/usb/lp0.</source>
            <translation>打印机设备地址须是完整路径，例如 file:///dev/usb/lp0。</translation>
        </message>
        <message>
            <source>A Windows printer address names the printer as Windows shows it, for example win32://POS-80C.</source>
            <translation>Windows 打印机地址须写打印机在 Windows 中显示的名称，例如 win32://POS-80C。</translation>
        </message>
        <message>
            <source>The printer address has an option it does not know (serial:// takes baudrate, usb:// takes in_ep and out_ep).</source>
            <translation>打印机地址含有无法识别的选项（serial:// 可用 baudrate，usb:// 可用 in_ep 和 out_ep）。</translation>
        </message>
    </context>
    <context>
        <name>PrinterSettings</name>
        <message>
            <source>The test ticket was sent.</source>
            <translation>测试小票已发送到打印机。</translation>
        </message>
        <message>
            <source>Kitchen printer</source>
            <translation>后厨打印机</translation>
        </message>
        <message>
            <source>Printer</source>
            <translation>打印机</translation>
        </message>
        <message>
            <source>Print tickets</source>
            <translation>打印小票时机</translation>
        </message>
        <message>
            <source>Copies</source>
            <translation>份数</translation>
        </message>
        <message>
            <source>Paper</source>
            <translation>纸宽</translation>
        </message>
        <message>
            <source>Printer text</source>
            <translation>打印机文字</translation>
        </message>
        <message>
            <source>Ticket title</source>
            <translation>小票标题</translation>
        </message>
        <message>
            <source>e.g. tcp://192.168.1.50:9100 (empty: no printing)</source>
            <translation>例如 tcp://192.168.1.50:9100（留空则不打印）</translation>
        </message>
        <message>
            <source>e.g. the shop's name</source>
            <translation>例如店名</translation>
        </message>
        <message>
            <source>When the order is accepted</source>
            <translation>接单时</translation>
        </message>
        <message>
            <source>When the order arrives</source>
            <translation>来单时</translation>
        </message>
        <message>
            <source>Never</source>
            <translation>不打印</translation>
        </message>
        <message>
            <source>Chinese (GB18030)</source>
            <translation>中文（GB18030）</translation>
        </message>
        <message>
            <source>Plain ASCII (no Chinese fonts)</source>
            <translation>纯英文 ASCII（打印机无中文字库）</translation>
        </message>
        <message>
            <source>Accept every paid order on this PC at once</source>
            <translation>本机自动接单（收到支付订单立即接单）</translation>
        </message>
        <message>
            <source>Print test ticket</source>
            <translation>打印测试小票</translation>
        </message>
        <message>
            <source>Printing a test ticket…</source>
            <translation>正在打印测试小票…</translation>
        </message>
    </context>
    <context>
        <name>QuitConfirmation</name>
        <message>
            <source>Quit OrderBell?</source>
            <translation>退出来单铃？</translation>
        </message>
        <message>
            <source>%1 orders are still waiting to be accepted.</source>
            <translation>还有 %1 单待接。</translation>
        </message>
        <message>
            <source>Once OrderBell quits, this PC no longer rings for new orders or reminders.</source>
            <translation>退出后，这台电脑不再提醒新订单和催单。</translation>
        </message>
        <message>
            <source>Quit OrderBell</source>
            <translation>退出来单铃</translation>
        </message>
        <message>
            <source>Keep taking orders</source>
            <translation>继续接单</translation>
        </message>
    </context>
    <context>
        <name>RejectDialog</name>
        <message>
            <source>Reject order</source>
            <translation>拒单</translation>
        </message>
        <message>
            <source>Why reject order ending %1?</source>
            <translation>为什么拒绝尾号 %1 的订单？</translation>
        </message>
        <message>
            <source>Other reason:</source>
            <translation>其他原因：</translation>
        </message>
        <message>
            <source>The reason the customer will see</source>
            <translation>顾客会看到的原因</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Too many orders right now</source>
            <translation>订单量较多，暂时无法接单</translation>
        </message>
        <message>
            <source>Dishes sold out</source>
            <translation>菜品已销售完，暂时无法接单</translation>
        </message>
        <message>
            <source>Restaurant closed</source>
            <translation>餐厅已打烊，暂时无法接单</translation>
        </message>
    </context>
    <context>
        <name>ReplyDialog</name>
        <message>
            <source>Being prepared</source>
            <translation>已在制作</translation>
        </message>
        <message>
            <source>Ready in a moment</source>
            <translation>马上出餐</translation>
        </message>
        <message>
            <source>The rider has it</source>
            <translation>骑手已取餐</translation>
        </message>
        <message>
            <source>Reply to customer</source>
            <translation>回复顾客</translation>
        </message>
        <message>
            <source>Answer the customer of order %1:</source>
            <translation>回复订单 %1 的顾客：</translation>
        </message>
        <message>
            <source>Or type a short reply</source>
            <translation>或输入一句回复</translation>
        </message>
        <message>
            <source>Send</source>
            <translation>发送</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
    </context>
    <context>
        <name>ServerAddress</name>
        <message>
            <source>Enter the server address, for example http://192.168.1.10:8000.</source>
            <translation>请输入服务器地址，例如 http://192.168.1.10:8000。</translation>
        </message>
        <message>
            <source>The server address must not contain spaces.</source>
            <translation>服务器地址不能包含空格。</translation>
        </message>
        <message>
            <source>The server address must start with http:// or https://.</source>
            <translation>服务器地址必须以 http:// 或 https:// 开头。</translation>
        </message>
        <message>
            <source>The server address must not contain a user name or password.</source>
            <translation>服务器地址不能包含用户名或密码。</translation>
        </message>
        <message>
            <source>The server address must not contain a '?' or '#' part.</source>
            <translation>服务器地址不能包含“?”或“#”及其后的部分。</translation>
        </message>
        <message>
            <source>The server address has no host name.</source>
            <translation>服务器地址缺少主机名。</translation>
        </message>
        <message>
            <source>The host name in the server address is not valid.</source>
            <translation>服务器地址中的主机名无效。</translation>
        </message>
        <message>
            <source>The port in the server address must be a number from 1 to 65535.</source>
            <translation>服务器地址中的端口必须是 1 到 65535 之间的数字。</translation>
        </message>
    </context>
    <context>
        <name>ServerErrors</name>
        <message>
            <source>The server rejected this PC's device token. Open Settings and enter a valid device token.</source>
            <translation>服务器拒绝了本机的设备令牌。请打开设置，输入有效的设备令牌。</translation>
        </message>
        <message>
            <source>Order %1 does not exist in this shop.</source>
            <translation>本店没有编号为 %1 的订单。</translation>
        </message>
        <message>
            <source>Order ending %1 was already handled, probably at another counter.</source>
            <translation>尾号 %1 的订单已被处理，可能是在另一台收银台上。</translation>
        </message>
        <message>
            <source>The device token contains characters no token has. Enter it again in Settings.</source>
            <translation>设备令牌里有令牌不会有的字符。请在设置中重新输入。</translation>
        </message>
        <message>
            <source>The server address %1 is not valid. Check it in Settings.</source>
            <translation>服务器地址 %1 无效。请在设置中检查。</translation>
        </message>
        <message>
            <source>The server at %1 did not answer within %2 s. Check the network; OrderBell keeps trying.</source>
            <translation>服务器 %1 在 %2 秒内没有应答。请检查网络；来单铃会一直重试。</translation>
        </message>
        <message>
            <source>Cannot reach the server at %1. Check the network and the server address in Settings.</source>
            <translation>连不上服务器 %1。请检查网络，以及设置中的服务器地址。</translation>
        </message>
        <message>
            <source>The server at %1 has a problem (HTTP %2). Try again in a moment.</source>
            <translation>服务器 %1 出了问题（HTTP %2）。请稍后再试。</translation>
        </message>
        <message>
            <source>The server refused the request (HTTP %1).</source>
            <translation>服务器拒绝了这个请求（HTTP %1）。</translation>
        </message>
        <message>
            <source>%1 answered HTTP %2 where an OrderBell server would not. Check the server address in Settings.</source>
            <translation>%1 的应答是 HTTP %2，来单铃服务器不会这样应答。请检查设置中的服务器地址。</translation>
        </message>
        <message>
            <source>The server at %1 answered something OrderBell does not understand. Check the server address, or update OrderBell.</source>
            <translation>服务器 %1 的应答来单铃无法理解。请检查服务器地址，或升级来单铃。</translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>OrderBell settings</source>
            <translation>来单铃设置</translation>
        </message>
        <message>
            <source>Server address</source>
            <translation>服务器地址</translation>
        </message>
        <message>
            <source>Device token</source>
            <translation>设备令牌</translation>
        </message>
        <message>
            <source>Language</source>
            <translation>语言</translation>
        </message>
        <message>
            <source>Voice</source>
            <translation>语音</translation>
        </message>
        <message>
            <source>Speech rate</source>
            <translation>语速</translation>
        </message>
        <message>
            <source>Volume</source>
            <translation>音量</translation>
        </message>
        <message>
            <source>Ring</source>
            <translation>响铃方式</translation>
        </message>
        <message>
            <source>Repeat alerts every</source>
            <translation>提醒重复间隔</translation>
        </message>
        <message>
            <source>Alarm when disconnected for</source>
            <translation>断线多久后报警</translation>
        </message>
        <message>
            <source>Test connection</source>
            <translation>测试连接</translation>
        </message>
        <message>
            <source>Show</source>
            <translation>显示</translation>
        </message>
        <message>
            <source>Ring a chime before each announcement</source>
            <translation>播报前先响提示音</translation>
        </message>
        <message>
            <source> s</source>
            <translation> 秒</translation>
        </message>
        <message>
            <source>Start OrderBell when I log in</source>
            <translation>登录系统时自动启动来单铃</translation>
        </message>
        <message>
            <source>Recommended: after a restart this PC rings again without anyone starting OrderBell.</source>
            <translation>建议勾选：电脑重启后，无需有人手动打开来单铃，也会照常提醒。</translation>
        </message>
        <message>
            <source>Test voice</source>
            <translation>试听语音</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>保存</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Automatic (system language)</source>
            <translation>自动（跟随系统语言）</translation>
        </message>
        <message>
            <source>Automatic (by language)</source>
            <translation>自动（按语言选择）</translation>
        </message>
        <message>
            <source>%1 (not available)</source>
            <translation>%1（不可用）</translation>
        </message>
        <message>
            <source>Chime and speech at each alert</source>
            <translation>每次提醒：提示音加语音播报</translation>
        </message>
        <message>
            <source>Ring until the order is handled</source>
            <translation>持续响铃，直到接单</translation>
        </message>
        <message>
            <source>Custom (%1 words/min)</source>
            <translation>自定义（每分钟 %1 字）</translation>
        </message>
        <message>
            <source>Will connect to %1</source>
            <translation>将连接 %1</translation>
        </message>
        <message>
            <source>Testing…</source>
            <translation>正在测试…</translation>
        </message>
        <message>
            <source>Connected</source>
            <translation>已连接</translation>
        </message>
        <message>
            <source>Token rejected</source>
            <translation>令牌错误</translation>
        </message>
        <message>
            <source>Cannot connect</source>
            <translation>连不上</translation>
        </message>
        <message>
            <source>Enter the device token first</source>
            <translation>请先输入设备令牌</translation>
        </message>
        <message>
            <source>Slow</source>
            <translation>慢</translation>
        </message>
        <message>
            <source>Normal</source>
            <translation>正常</translation>
        </message>
        <message>
            <source>Fast</source>
            <translation>快</translation>
        </message>
    </context>
    <context>
        <name>Tray</name>
        <message>
            <source>Orders</source>
            <translation>订单</translation>
        </message>
        <message>
            <source>Unmute</source>
            <translation>取消静音</translation>
        </message>
        <message>
            <source>Test alert</source>
            <translation>测试提醒</translation>
        </message>
        <message>
            <source>Settings…</source>
            <translation>设置…</translation>
        </message>
        <message>
            <source>Reconnect</source>
            <translation>重新连接</translation>
        </message>
        <message>
            <source>Quit</source>
            <translation>退出</translation>
        </message>
        <message>
            <source>%1 minutes</source>
            <translation>%1 分钟</translation>
        </message>
        <message>
            <source>Mute</source>
            <translation>静音</translation>
        </message>
        <message>
            <source>OrderBell</source>
            <translation>来单铃</translation>
        </message>
        <message>
            <source>Connected</source>
            <translation>已连接</translation>
        </message>
        <message>
            <source>Orders waiting: %1</source>
            <translation>待接订单：%1</translation>
        </message>
        <message>
            <source>Disconnected</source>
            <translation>已断开</translation>
        </message>
        <message>
            <source>No sound output</source>
            <translation>电脑没有声音输出</translation>
        </message>
        <message>
            <source>Muted until %1</source>
            <translation>静音至 %1</translation>
        </message>
        <message>
            <source>Muted</source>
            <translation>已静音</translation>
        </message>
    </context>
</TS>
